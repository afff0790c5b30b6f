namespace Conciergus.Core.TimeSeries;

/// <summary>
/// Bulk history restore: buckets aggregated by the operation store (one query per ring, GROUP BY bucket and series) are
/// added to the rings directly, instead of replaying every operation through <see cref="Restore"/>.
/// </summary>
/// <remarks>
/// <para>
/// Every entry ADDS to the bucket (a bucket can arrive in parts: scalar totals, then sketch bucket counts; and several
/// stored values can land in one overflow series), so restoring alongside live recording counts each operation once as
/// long as the store's rows and the live operations are disjoint (the History service makes them so).
/// </para>
/// <para>
/// Rings are written directly, not through roll-up: before the first restored write into a series, its finest buckets up
/// to <c>restoredThrough</c> (the restore's start) are rolled up (live ones included) and marked so, which makes every
/// restored finest bucket "already in the coarser rings". Live operations that later fall into those seconds take the
/// late path (every ring directly), exactly as a late operation does on the hot path. The result equals recording the
/// same operations live (tests/History/BulkRestoreTests).
/// </para>
/// </remarks>
public sealed partial class TimeSeriesCache
{
    /// <summary>Per resolution (finest first): its step and the start of the oldest bucket it still reaches now.</summary>
    public IReadOnlyList<(TimeSpan Step, DateTimeOffset From)> RingReach()
    {
        var nowTicks = _timeProvider.GetUtcNow().UtcTicks;
        var result = new (TimeSpan, DateTimeOffset)[_stepTicks.Length];
        for (var r = 0; r < _stepTicks.Length; r++)
        {
            var firstEpoch = Math.Max(0, (nowTicks / _stepTicks[r]) - _bucketCounts[r] + 1);
            result[r] = (TimeSpan.FromTicks(_stepTicks[r]), new DateTimeOffset(firstEpoch * _stepTicks[r], TimeSpan.Zero));
        }

        return result;
    }

    /// <summary>
    /// Adds stored totals to bucket <paramref name="epoch"/> (start = epoch times the step) of resolution
    /// <paramref name="resolution"/> of one series. False when that bucket is out of the ring's reach (nothing written).
    /// </summary>
    /// <param name="resolution">Index into <see cref="Steps"/>.</param>
    /// <param name="series">The series, as the store names it.</param>
    /// <param name="epoch">Bucket index: its start in ticks divided by the step.</param>
    /// <param name="totals">What the bucket's operations add up to (latency and TTFT sketches: count, sum, min, max only).</param>
    /// <param name="restoredThrough">The restore's start: every restored operation completed before it.</param>
    public bool RestoreBucket(int resolution, RestoreSeriesKey series, long epoch, RestoredBucketTotals totals, DateTimeOffset restoredThrough)
    {
        ArgumentNullException.ThrowIfNull(totals);
        return WriteRestored(resolution, series, epoch, restoredThrough, totals, sketchBucket: 0, count: 0, timeToFirstToken: false);
    }

    /// <summary>
    /// Adds <paramref name="count"/> values to one bucket of the latency (or time-to-first-token) sketch of a bucket:
    /// the sketch's bucket counts, whose count, sum, min and max <see cref="RestoreBucket"/> adds.
    /// </summary>
    /// <param name="resolution">Index into <see cref="Steps"/>.</param>
    /// <param name="series">The series, as the store names it.</param>
    /// <param name="epoch">Bucket index: its start in ticks divided by the step.</param>
    /// <param name="timeToFirstToken">True for the TTFT sketch, false for latency.</param>
    /// <param name="sketchBucket">The sketch's log bucket (ceil(ln(v) / ln(gamma))), or null for the zero bucket (values below 0.001 ms).</param>
    /// <param name="count">Values in that sketch bucket.</param>
    /// <param name="restoredThrough">The restore's start.</param>
    public bool RestoreSketchCount(int resolution, RestoreSeriesKey series, long epoch, bool timeToFirstToken, int? sketchBucket, long count, DateTimeOffset restoredThrough) =>
        WriteRestored(resolution, series, epoch, restoredThrough, null, sketchBucket ?? LatencySketch.ZeroBucket, count, timeToFirstToken);

    private bool WriteRestored(int resolution, RestoreSeriesKey key, long epoch, DateTimeOffset restoredThrough, RestoredBucketTotals? totals, int sketchBucket, long count, bool timeToFirstToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(resolution);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(resolution, _stepTicks.Length);
        var nowTicks = _timeProvider.GetUtcNow().UtcTicks;
        if (epoch <= (nowTicks / _stepTicks[resolution]) - _bucketCounts[resolution])
        {
            return false;
        }

        var through = Math.Min(restoredThrough.UtcTicks, nowTicks) / _stepTicks[0];
        while (true)
        {
            var series = ResolveForRestore(key);

            // Safe: the same gate as Record and queries; the section touches one bucket (plus, once per series, the roll-up
            // of its open finest buckets).
            lock (series.Gate)
            {
                if (series.Released)
                {
                    continue; // released by a sweep meanwhile: resolve again (as AddTo does)
                }

                if (series.RolledThrough < through)
                {
                    // Live finest buckets up to the restore's start go to the coarser rings now, once; restored finest
                    // buckets are then never rolled up (their coarser buckets are restored from the store's own rows).
                    RollUpTo(series, through, nowTicks);
                    if (series.Newest < through)
                    {
                        series.Newest = through;
                    }
                }

                var slot = (int)(epoch % _bucketCounts[resolution]);
                var ring = series.Rings[resolution];
                if (ring.Read(slot).Epoch > epoch)
                {
                    return false; // a newer bucket took the slot: this one has left the ring
                }

                ref var bucket = ref ring.Write(slot);
                if (bucket.Epoch != epoch)
                {
                    bucket.Reset(epoch);
                }

                var before = bucket.SketchBytes;
                if (totals is not null)
                {
                    AddTotals(ref bucket, totals);
                }
                else
                {
                    var sketch = timeToFirstToken ? (bucket.TimeToFirstToken ??= new LatencySketch()) : (bucket.Latency ??= new LatencySketch());
                    sketch.AddBucketCount(sketchBucket, count);
                }

                _meter.Add(bucket.SketchBytes - before);
                return true;
            }
        }
    }

    private static void AddTotals(ref TimeBucket bucket, RestoredBucketTotals totals)
    {
        bucket.Requests += totals.Requests;
        bucket.Errors += totals.Errors;
        bucket.InputTokens += totals.InputTokens;
        bucket.OutputTokens += totals.OutputTokens;
        bucket.CachedInputTokens += totals.CachedInputTokens;
        bucket.CacheCreationInputTokens += totals.CacheCreationInputTokens;
        bucket.ReasoningTokens += totals.ReasoningTokens;
        bucket.UnpricedRequests += totals.UnpricedRequests;
        bucket.CostUsd += totals.CostUsd;
        if (totals.LastSeenTicks > bucket.LastSeenTicks)
        {
            bucket.LastSeenTicks = totals.LastSeenTicks;
        }

        if (totals.LatencyCount > 0)
        {
            (bucket.Latency ??= new LatencySketch()).AddSummary(totals.LatencyCount, totals.LatencySum, totals.LatencyMin, totals.LatencyMax);
        }

        if (totals.TimeToFirstTokenCount > 0)
        {
            (bucket.TimeToFirstToken ??= new LatencySketch()).AddSummary(totals.TimeToFirstTokenCount, totals.TimeToFirstTokenSum, totals.TimeToFirstTokenMin, totals.TimeToFirstTokenMax);
        }
    }

    /// <summary>The series a restored row belongs to, through the same lookup (cap, budget, overflow) as <see cref="Record(Model.AiOperation)"/>.</summary>
    private TimeSeriesSlot ResolveForRestore(RestoreSeriesKey key) => key.Dimension switch
    {
        SeriesDimension.Total => _total,
        SeriesDimension.Model => Resolve(_models, (key.Value, key.Value2 ?? "unknown"), static k => SeriesKey.ModelValue(k.Item1, k.Item2)),
        SeriesDimension.Provider => Resolve(_providers, key.Value, static v => v),
        SeriesDimension.Operation => Resolve(_operations, key.Value, static v => v),
        SeriesDimension.Application => Resolve(_applications, key.Value, static v => v),
        SeriesDimension.ErrorCategory => Resolve(_errorCategories, key.Value, static v => v),
        SeriesDimension.Environment => Resolve(_environments, key.Value, static v => v),
        SeriesDimension.FunctionId => Resolve(_functions, key.Value, static v => v),
        SeriesDimension.ExperimentVariant => Resolve(_variants, (key.Value, key.Value2 ?? ""), static k => SeriesKey.VariantValue(k.Item1, k.Item2)),
        _ => throw new ArgumentOutOfRangeException(nameof(key), key.Dimension, "unknown dimension"),
    };
}

/// <summary>
/// A series as a restore names it: the dimension and its value; for <see cref="SeriesDimension.Model"/> the provider
/// and the model, for <see cref="SeriesDimension.ExperimentVariant"/> the experiment key and the variant.
/// </summary>
public readonly record struct RestoreSeriesKey(SeriesDimension Dimension, string Value, string? Value2 = null);

/// <summary>What the stored operations of one bucket of one series add up to (bulk history restore).</summary>
public sealed record RestoredBucketTotals
{
    /// <summary>Operations.</summary>
    public long Requests { get; init; }

    /// <summary>Failed operations.</summary>
    public long Errors { get; init; }

    /// <summary>Input tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Cached input tokens.</summary>
    public long CachedInputTokens { get; init; }

    /// <summary>Cache-creation input tokens.</summary>
    public long CacheCreationInputTokens { get; init; }

    /// <summary>Reasoning tokens.</summary>
    public long ReasoningTokens { get; init; }

    /// <summary>Operations whose model has no price.</summary>
    public long UnpricedRequests { get; init; }

    /// <summary>Cost of the priced (or provider-priced) operations.</summary>
    public decimal CostUsd { get; init; }

    /// <summary>Latest completion time (UTC ticks, clamped to the restore's clock).</summary>
    public long LastSeenTicks { get; init; }

    /// <summary>Latencies (every operation has one).</summary>
    public long LatencyCount { get; init; }

    /// <summary>Sum of the normalized latencies (ms).</summary>
    public double LatencySum { get; init; }

    /// <summary>Smallest normalized latency (ms).</summary>
    public double LatencyMin { get; init; }

    /// <summary>Largest normalized latency (ms).</summary>
    public double LatencyMax { get; init; }

    /// <summary>Operations with a time to first token.</summary>
    public long TimeToFirstTokenCount { get; init; }

    /// <summary>Sum of the normalized times to first token (ms).</summary>
    public double TimeToFirstTokenSum { get; init; }

    /// <summary>Smallest normalized time to first token (ms).</summary>
    public double TimeToFirstTokenMin { get; init; }

    /// <summary>Largest normalized time to first token (ms).</summary>
    public double TimeToFirstTokenMax { get; init; }
}
