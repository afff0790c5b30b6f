namespace Conciergus.Core.TimeSeries;

/// <summary>
/// Mergeable log-bucketed quantile sketch (DDSketch-style) for latencies in milliseconds:
/// any quantile it returns is within <see cref="RelativeAccuracy"/> of the true sample value.
/// </summary>
public sealed class LatencySketch
{
    /// <summary>Guaranteed relative error of <see cref="Quantile"/> (DESIGN budget: at most 2%).</summary>
    public const double RelativeAccuracy = 0.01;

    /// <summary>Number of values added.</summary>
    public long Count => throw new NotImplementedException();

    /// <summary>Sum of values added (exact).</summary>
    public double Sum => throw new NotImplementedException();

    /// <summary>Smallest value added (NaN when empty).</summary>
    public double Min => throw new NotImplementedException();

    /// <summary>Largest value added (NaN when empty).</summary>
    public double Max => throw new NotImplementedException();

    /// <summary>Mean of values added (NaN when empty).</summary>
    public double Mean => throw new NotImplementedException();

    /// <summary>Adds one value (negative values count as 0). Allocation-free once the sketch has grown.</summary>
    public void Add(double value) => throw new NotImplementedException();

    /// <summary>Adds every value of another sketch.</summary>
    public void Merge(LatencySketch other) => throw new NotImplementedException();

    /// <summary>The q-quantile (0..1), NaN when empty.</summary>
    public double Quantile(double q) => throw new NotImplementedException();

    /// <summary>Empties the sketch, keeping its storage.</summary>
    public void Clear() => throw new NotImplementedException();
}
