using System.Text.RegularExpressions;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Core.Analytics;

/// <summary>Read models for the dashboard panels: comparisons, single-series lines, breakdowns, hints.</summary>
public sealed partial class AnalyticsService
{
    /// <summary>Totals over the window just before the last <paramref name="window"/>: [now - 2 window, now - window).</summary>
    public SummaryReport PreviousSummary(TimeSpan window, SeriesKey? series = null)
    {
        var (from, _) = Range(window);
        var previousFrom = from - window;
        return ToSummary(_cache.Aggregate(series ?? SeriesKey.Total, previousFrom, from), previousFrom, from);
    }

    /// <summary>The step a chart of this window uses by default (at most <see cref="MaxDefaultPoints"/> points).</summary>
    public TimeSpan StepFor(TimeSpan window) => DefaultStep(window, ResolutionFor(window));

    /// <summary>The step a chart <paramref name="widthPx"/> wide shows this window in (<see cref="ChartStep.Choose"/> over the ring that holds it).</summary>
    public TimeSpan ChartStepFor(TimeSpan window, int widthPx) => ChartStep.Choose(window, widthPx, ResolutionFor(window));

    /// <summary>The step a window's trend is read at (<see cref="Health.Trend.StepFor"/> over the cache's rings).</summary>
    public TimeSpan TrendStepFor(TimeSpan window) => Health.Trend.StepFor(window, _cache.Steps);

    /// <summary>One metric of one series over the last <paramref name="window"/> in steps of <paramref name="step"/> (aligned to the step).</summary>
    /// <remarks>
    /// Any step that is a whole number of seconds works for windows inside the finest resolution; panels ask for the
    /// last few steps only (a small window, the same step) to get the newest points cheaply.
    /// </remarks>
    public TimeSeriesLine Line(TimeSeriesMetric metric, SeriesKey key, TimeSpan window, TimeSpan step)
    {
        var (from, to) = Range(window);
        return new TimeSeriesLine(DisplayKey(key), ToPoints(_cache.Range(key, from, to, step), metric, step, to));
    }

    /// <summary>One row per series of <paramref name="dimension"/> with data in the window, most requests first.</summary>
    public IReadOnlyList<GroupReport> Groups(TimeSpan window, SeriesDimension dimension)
    {
        var (from, to) = Range(window);
        var rows = new List<GroupReport>();
        foreach (var key in _cache.Keys(dimension))
        {
            var a = _cache.Aggregate(key, from, to);
            if (a.Requests > 0)
            {
                rows.Add(new GroupReport(key, DisplayKey(key), ToSummary(a, from, to)));
            }
        }

        return rows.OrderByDescending(r => r.Stats.Requests).ThenBy(r => r.Display, StringComparer.Ordinal).ToList();
    }

    /// <summary>Top spenders over the whole UTC days that overlap the window.</summary>
    public IReadOnlyList<UserCostRow> TopUsers(TimeSpan window, int limit)
    {
        var (from, to) = Range(window);
        return _ledger.Top(from, to, limit);
    }

    /// <summary>The most frequent error types and messages among the failures still kept in memory, messages redacted.</summary>
    public IReadOnlyList<ErrorTypeRow> TopErrorTypes(TimeSpan window, int limit)
    {
        var (from, to) = Range(window);
        return _recentErrors.Between(from, to)
            .GroupBy(op => (Type: op.Error?.Type ?? op.ErrorCategory.ToString(), Message: Redact(op.Error?.Message)))
            .Select(g => new ErrorTypeRow(g.Key.Type, g.Key.Message, g.Count(), g.Max(op => op.EndTime), g.First().TraceId))
            .OrderByDescending(r => r.Count).ThenByDescending(r => r.LastSeen)
            .Take(limit)
            .ToList();
    }

    /// <summary>Cached input tokens / input tokens (0..1), null without input tokens.</summary>
    public static double? CacheHitRatio(SummaryReport summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return summary.InputTokens == 0 ? null : (double)summary.CachedInputTokens / summary.InputTokens;
    }

    /// <summary>
    /// Removes what must not be shown from an error message: e-mail addresses, keys, long numbers. Bounded work (300
    /// characters, a 100 ms timeout per pattern) that never throws: when a pattern times out (a busy machine) the whole
    /// message becomes "[redacted]", since a half-redacted message could still show what it should hide.
    /// </summary>
    public static string? Redact(string? message) => Redact(message, static text =>
    {
        text = EmailPattern().Replace(text, "[email]");
        text = KeyPattern().Replace(text, "[key]");
        return NumberPattern().Replace(text, "[number]");
    });

    /// <summary>Text shown instead of a message that could not be redacted in time.</summary>
    public const string RedactedFallback = "[redacted]";

    /// <summary><see cref="Redact(string?)"/> with the pattern step given (tests make it time out).</summary>
    internal static string? Redact(string? message, Func<string, string> patterns)
    {
        if (string.IsNullOrEmpty(message))
        {
            return message;
        }

        var text = message.Length > 300 ? message[..300] + "..." : message;
        try
        {
            return patterns(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return RedactedFallback;
        }
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"\b(sk|pk|rk|cik|key|api)[-_][A-Za-z0-9_-]{8,}\b|\b[A-Za-z0-9]{32,}\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 100)]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"\+?\d[\d \-]{8,}\d", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex NumberPattern();
}

/// <summary>One series of a dimension over a window.</summary>
/// <param name="Key">The series.</param>
/// <param name="Display">How it is shown ("provider/model" for models).</param>
/// <param name="Stats">Its figures.</param>
public sealed record GroupReport(SeriesKey Key, string Display, SummaryReport Stats);

/// <summary>A frequent error type and message.</summary>
/// <param name="Type">Error type (or category when the failure had none).</param>
/// <param name="Message">Redacted message.</param>
/// <param name="Count">Failures among those kept in memory.</param>
/// <param name="LastSeen">Newest of them.</param>
/// <param name="TraceId">A trace id of one of them, when known.</param>
public sealed record ErrorTypeRow(string Type, string? Message, int Count, DateTimeOffset LastSeen, string? TraceId);
