using Conciergus.Core.Errors;
using Conciergus.Core.Operations;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Core.History;

/// <summary>The restore's fast path: the rings and the ledger from buckets the store aggregates (see <see cref="IOperationBucketSource"/>).</summary>
/// <remarks>
/// <para>
/// Per ring, coarsest first: one read of totals per (bucket, series value), then one of latency sketch bucket counts and
/// one of time-to-first-token counts; each row is added to its bucket (<see cref="TimeSeriesCache.RestoreBucket"/>). The
/// store returns 7 series groups; Total is the sum of the Application rows and Provider of the Model rows (every operation
/// has exactly one application and one model), so the cache receives each of those rows twice, once per series.
/// </para>
/// <para>
/// Counting once: every read leaves out the ids of the late live operations collected so far (a snapshot taken just before
/// the read). A late operation reaches the store only after it passed through the collector, which calls this service's
/// <see cref="Accept"/> for it; a read sees the store as it was when the read began, so a late operation the read can see
/// was accepted before, and its id is in the snapshot. (The collector calls the sinks in registration order, and the
/// writer commits in batches after the append returned; an operation enqueued and committed in the microseconds between
/// the store's sink and this one, exactly while a read begins, is the only one that could count twice.)
/// </para>
/// </remarks>
public sealed partial class HistoryRestoreService
{
    private async Task<long> RestoreBucketsAsync(IOperationBucketSource source, DateTimeOffset since, DateTimeOffset t0, CancellationToken cancellationToken)
    {
        var reach = _cache.RingReach();
        var steps = (reach.Count * 3) + 2;
        var done = 0;
        long restored = 0;
        for (var r = reach.Count - 1; r >= 0; r--)
        {
            var (step, from) = reach[r];

            // A step earlier than the ring's first bucket: the store's end time and the cache's can differ by a tick; the
            // cache refuses what is out of its reach.
            var query = new RestoreBucketQuery
            {
                Since = Max(since, from - step),
                Until = t0,
                Step = step,
                ClampTo = _time.GetUtcNow(),
                SketchScale = LatencySketch.BucketScale,
                ExcludedOperationIds = LateSnapshot(),
                ExcludedEarliestEnd = LateEarliest(),
            };
            var coarsest = r == reach.Count - 1;
            await foreach (var row in source.ReadRestoreBucketsAsync(query, cancellationToken).ConfigureAwait(false))
            {
                var totals = Totals(row);
                var (first, second) = SeriesOf(row.Group, row.Value, row.Value2);
                if (_cache.RestoreBucket(r, first, row.Epoch, totals, t0) && coarsest && row.Group == StoredSeriesGroup.Application)
                {
                    restored += row.Requests;
                }

                if (second is { } also)
                {
                    _cache.RestoreBucket(r, also, row.Epoch, totals, t0);
                }
            }

            Step(++done, steps, coarsest ? restored : null);
            foreach (var timeToFirstToken in new[] { false, true })
            {
                await foreach (var row in source.ReadRestoreSketchAsync(query with { ExcludedOperationIds = LateSnapshot(), ExcludedEarliestEnd = LateEarliest() }, timeToFirstToken, cancellationToken).ConfigureAwait(false))
                {
                    var (first, second) = SeriesOf(row.Group, row.Value, row.Value2);
                    _cache.RestoreSketchCount(r, first, row.Epoch, timeToFirstToken, row.SketchBucket, row.Count, t0);
                    if (second is { } also)
                    {
                        _cache.RestoreSketchCount(r, also, row.Epoch, timeToFirstToken, row.SketchBucket, row.Count, t0);
                    }
                }

                Step(++done, steps, null);
            }
        }

        var ledgerQuery = new RestoreBucketQuery { Since = since, Until = t0, ClampTo = _time.GetUtcNow(), ExcludedOperationIds = LateSnapshot() };
        await foreach (var day in source.ReadRestoreUserDaysAsync(ledgerQuery, cancellationToken).ConfigureAwait(false))
        {
            _ledger.RestoreTotals(day.UserId, new DateTimeOffset(day.Day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), day.CostUsd, day.Requests, day.InputTokens, day.OutputTokens);
        }

        Step(++done, steps, null);

        // The newest failures with their details, for the errors panel's samples.
        var late = LateSnapshot();
        var failed = new OperationFilter([new FilterClause(FilterFields.Status, ["error"])]);
        var errors = await source.ReadNewestAsync(since, t0, failed, RecentErrors.Capacity + Math.Min(late.Length, 4096), cancellationToken).ConfigureAwait(false);
        var kept = errors.Where(e => !_lateIds.ContainsKey(e.OperationId)).ToList();
        foreach (var error in kept.Skip(Math.Max(0, kept.Count - RecentErrors.Capacity)))
        {
            _recentErrors.Add(error);
        }

        Interlocked.Exchange(ref _lateSkipped, await source.CountStoredAsync(since, t0, late, cancellationToken).ConfigureAwait(false));
        Step(++done, steps, null);
        return restored;
    }

    private void Step(int done, int steps, long? operations)
    {
        var progress = Progress with { Fraction = 0.9 * done / steps };
        Publish(operations is { } n ? progress with { Operations = n } : progress, force: false);
    }

    /// <summary>The earliest end of the late operations minus an hour (call after <see cref="LateSnapshot"/>: ids first, then this).</summary>
    private DateTimeOffset? LateEarliest() => Interlocked.Read(ref _lateEarliestTicks) is var t and < long.MaxValue ? new DateTimeOffset(Math.Max(t - TimeSpan.TicksPerHour, 0), TimeSpan.Zero) : null;

    private string[] LateSnapshot() => Volatile.Read(ref _lateIdCount) == 0 ? [] : [.. _lateIds.Keys];

    /// <summary>The cache series a stored row adds to (Total and Provider are sums of other groups' rows).</summary>
    private static (RestoreSeriesKey First, RestoreSeriesKey? Second) SeriesOf(StoredSeriesGroup group, string value, string? value2) => group switch
    {
        StoredSeriesGroup.Model => (new(SeriesDimension.Model, value, value2), new(SeriesDimension.Provider, value)),
        StoredSeriesGroup.Application => (new(SeriesDimension.Application, value), new(SeriesDimension.Total, "")),
        StoredSeriesGroup.Operation => (new(SeriesDimension.Operation, value), null),
        StoredSeriesGroup.ErrorCategory => (new(SeriesDimension.ErrorCategory, value), null),
        StoredSeriesGroup.Environment => (new(SeriesDimension.Environment, value), null),
        StoredSeriesGroup.Function => (new(SeriesDimension.FunctionId, value), null),
        StoredSeriesGroup.ExperimentVariant => (new(SeriesDimension.ExperimentVariant, value, value2 ?? ""), null),
        _ => throw new InvalidOperationException($"unknown series group {group}"),
    };

    private static RestoredBucketTotals Totals(StoredBucketRow row) => new()
    {
        Requests = row.Requests,
        Errors = row.Errors,
        InputTokens = row.InputTokens,
        OutputTokens = row.OutputTokens,
        CachedInputTokens = row.CachedInputTokens,
        CacheCreationInputTokens = row.CacheCreationInputTokens,
        ReasoningTokens = row.ReasoningTokens,
        UnpricedRequests = row.UnpricedRequests,
        CostUsd = row.CostUsd,
        LastSeenTicks = row.LastSeenTicks,
        LatencyCount = row.Requests,
        LatencySum = row.LatencySum,
        LatencyMin = row.LatencyMin,
        LatencyMax = row.LatencyMax,
        TimeToFirstTokenCount = row.TimeToFirstTokenCount,
        TimeToFirstTokenSum = row.TimeToFirstTokenSum,
        TimeToFirstTokenMin = row.TimeToFirstTokenMin,
        TimeToFirstTokenMax = row.TimeToFirstTokenMax,
    };
}
