namespace Conciergus.Dashboard.Demo;

/// <summary>
/// When the next simulated call arrives: Poisson arrivals whose rate bursts to 2.5-4x for 10-30 s, with
/// exponential gaps of ~150 s between bursts, averaging about the configured rate over time.
/// </summary>
internal sealed class DemoArrivals
{
    // Time in bursts is ~20/170 = 11.8% at a mean factor of 3.25, so the long-run multiplier is
    // 0.882 + 0.118 * 3.25 = ~1.265; the base rate is divided by it to average the configured rate.
    private const double MeanSecondsBetweenBursts = 150;
    private const double LongRunBurstFactor = 1.265;

    private readonly Random _random;
    private readonly double _baseRate;
    private DateTimeOffset _nextBurst;
    private DateTimeOffset _burstEnd = DateTimeOffset.MinValue;
    private double _burstFactor = 1;

    public DemoArrivals(Random random, double requestsPerSecond, DateTimeOffset start)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requestsPerSecond);
        _random = random;
        _baseRate = requestsPerSecond / LongRunBurstFactor;
        _nextBurst = start + Exponential(MeanSecondsBetweenBursts);
    }

    /// <summary>Whether <paramref name="now"/> falls in a burst (after the last <see cref="NextGap"/>).</summary>
    public bool InBurst(DateTimeOffset now) => now < _burstEnd;

    /// <summary>The wait before the next arrival, drawn at the rate in force at <paramref name="now"/>.</summary>
    public TimeSpan NextGap(DateTimeOffset now)
    {
        if (now >= _nextBurst)
        {
            _burstEnd = now + TimeSpan.FromSeconds(10 + (20 * _random.NextDouble()));
            _burstFactor = 2.5 + (1.5 * _random.NextDouble());
            _nextBurst = _burstEnd + Exponential(MeanSecondsBetweenBursts);
        }

        var rate = _baseRate * (now < _burstEnd ? _burstFactor : 1);
        return Exponential(1 / rate);
    }

    private TimeSpan Exponential(double meanSeconds) => TimeSpan.FromSeconds(-Math.Log(1.0 - _random.NextDouble()) * meanSeconds);
}
