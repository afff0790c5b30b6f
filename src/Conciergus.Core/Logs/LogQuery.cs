namespace Conciergus.Core.Logs;

/// <summary>Which log records to list (every filter optional; all given filters must match).</summary>
public sealed record LogQuery
{
    /// <summary>Largest page size.</summary>
    public const int MaxLimit = 1000;

    /// <summary>Only records of this application (service.name, case-insensitive).</summary>
    public string? Application { get; init; }

    /// <summary>Only records at this severity number or above (see <see cref="LogSeverity"/>).</summary>
    public int? MinSeverity { get; init; }

    /// <summary>Only records of this trace (hex, case-insensitive).</summary>
    public string? TraceId { get; init; }

    /// <summary>Only records whose body, event name, scope or an attribute value contains this text (case-insensitive).</summary>
    public string? Text { get; init; }

    /// <summary>Most records returned (1 to <see cref="MaxLimit"/>), newest first.</summary>
    public int Limit { get; init; } = 100;
}

/// <summary>A page of log records.</summary>
/// <param name="Records">Matching records, newest first (at most the limit).</param>
/// <param name="Matched">How many kept records matched (may exceed the page).</param>
public sealed record LogPage(IReadOnlyList<LogRecordEntry> Records, int Matched);

/// <summary>Log store counters (for /metrics and the health page).</summary>
/// <param name="Records">Records kept.</param>
/// <param name="Bytes">Estimated memory held by the kept records.</param>
/// <param name="Added">Records added since start.</param>
/// <param name="Evicted">Records evicted (oldest first) to stay within the count and byte caps.</param>
/// <param name="Withheld">Bodies of AI spans kept only as their length (content capture off).</param>
/// <param name="Linked">Failed AI calls that took their error from an application log record.</param>
public sealed record LogStoreStats(int Records, long Bytes, long Added, long Evicted, long Withheld, long Linked);
