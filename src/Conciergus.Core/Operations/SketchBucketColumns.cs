using System.Globalization;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Core.Operations;

/// <summary>
/// The stored columns <c>latency_bucket</c> and <c>ttft_bucket</c>: each operation's latency and time to first token as
/// the in-memory <see cref="LatencySketch"/>'s log-bucket index, written by the writer with the sketch's own mapping.
/// A filtered query counts operations per (group, bucket) and answers percentiles with the sketch's own quantile code
/// (<see cref="Percentiles"/>), so the store and the memory series give the same figure for the same operations (within
/// the sketch's 1%) instead of the store sorting every selected latency.
/// </summary>
internal static class SketchBucketColumns
{
    /// <summary>The stored value of the sketch's zero bucket (values under <see cref="LatencySketch.MinIndexableValue"/>).</summary>
    /// <remarks>Real indexes lie in about [-346, 1382] (1e-3 ms to 1e12 ms at 1% accuracy): a SMALLINT holds them.</remarks>
    public const short Zero = short.MinValue;

    /// <summary>The stored bucket of a value (milliseconds), as <see cref="LatencySketch.Add(double)"/> places it.</summary>
    public static short Of(double value)
    {
        var bucket = LatencySketch.BucketOf(LatencySketch.Normalize(value));
        return bucket == LatencySketch.ZeroBucket ? Zero : (short)bucket;
    }

    /// <summary>The stored bucket of an optional value (null stays null).</summary>
    public static short? Of(double? value) => value is { } v ? Of(v) : null;

    /// <summary>
    /// <see cref="Of(double)"/> in SQL, for migrating files written before the columns existed: normalization as
    /// <c>LatencySketch.Normalize</c>, then ceil(ln(v) x scale) with the sketch's scale as a round-trip literal (DuckDB's
    /// ln and .NET's Math.Log both call the C library's log; tests/History/BulkRestoreTests checks they agree at every
    /// boundary). NULL stays NULL.
    /// </summary>
    public static string Sql(string column)
    {
        var normalized = $"(CASE WHEN isnan({column}) OR {column} <= 0 THEN 0.0 WHEN {column} > 1e12 THEN 1e12 ELSE {column} END)";
        var scale = LatencySketch.BucketScale.ToString("R", CultureInfo.InvariantCulture);
        var min = LatencySketch.MinIndexableValue.ToString("R", CultureInfo.InvariantCulture);
        return $"CASE WHEN {column} IS NULL THEN NULL WHEN {normalized} < {min} THEN {Zero} ELSE CAST(ceil(ln({normalized}) * {scale}) AS SMALLINT) END";
    }

    /// <summary>
    /// Percentiles of values counted per stored bucket: a sketch rebuilt from the bucket counts and the values' count,
    /// min and max (normalized as the sketch normalizes them), read with the sketch's own <see cref="LatencySketch.Quantile"/>.
    /// Add every bucket, then <see cref="Complete"/>, then read.
    /// </summary>
    public sealed class Histogram
    {
        private readonly LatencySketch _sketch = new();
        private long _count;

        /// <summary>Adds <paramref name="count"/> values of one stored bucket.</summary>
        public void Add(short bucket, long count)
        {
            _sketch.AddBucketCount(bucket == Zero ? LatencySketch.ZeroBucket : bucket, count);
            _count += Math.Max(0, count);
        }

        /// <summary>
        /// Gives the sketch the values' count, min and max (raw: normalized here; a NaN bound, which DuckDB's min and max
        /// can return, leaves that side unclamped, and clamping only ever brings an answer closer).
        /// </summary>
        public void Complete(double min, double max) =>
            _sketch.AddSummary(
                _count,
                0,
                double.IsNaN(min) ? 0 : LatencySketch.Normalize(min),
                double.IsNaN(max) ? LatencySketch.MaxTrackableValue : LatencySketch.Normalize(max));

        /// <summary>The q-quantile (the sketch's rank rule and accuracy), null when nothing was counted.</summary>
        public double? Quantile(double q) => _sketch.Count == 0 ? null : _sketch.Quantile(q);
    }
}
