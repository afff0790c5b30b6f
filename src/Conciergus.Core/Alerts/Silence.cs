namespace Conciergus.Core.Alerts;

/// <summary>Label matcher operator, as in Alertmanager.</summary>
public enum MatchOperator
{
    /// <summary>=</summary>
    Equal,

    /// <summary>!=</summary>
    NotEqual,

    /// <summary>=~ (anchored regular expression)</summary>
    Regex,

    /// <summary>!~</summary>
    NotRegex,
}

/// <summary>One matcher: label, operator, value.</summary>
public sealed record LabelMatcher(string Name, MatchOperator Operator, string Value);

/// <summary>State of a silence at a given time.</summary>
public enum SilenceState
{
    /// <summary>Starts in the future.</summary>
    Pending,

    /// <summary>Muting matching alerts now.</summary>
    Active,

    /// <summary>Ended.</summary>
    Expired,
}

/// <summary>Recurring quiet hours: every listed weekday from StartTime to EndTime in TimeZone (wraps past midnight when End &lt;= Start).</summary>
public sealed record QuietHours(IReadOnlyList<DayOfWeek> Days, TimeOnly StartTime, TimeOnly EndTime, string TimeZone = "UTC");

/// <summary>Mutes notifications for alerts whose labels match all matchers between StartsAt and EndsAt.</summary>
public sealed record Silence
{
    /// <summary>Id.</summary>
    public required string Id { get; init; }

    /// <summary>All must match.</summary>
    public required IReadOnlyList<LabelMatcher> Matchers { get; init; }

    /// <summary>Start.</summary>
    public required DateTimeOffset StartsAt { get; init; }

    /// <summary>End (for quiet hours: when the recurrence stops).</summary>
    public required DateTimeOffset EndsAt { get; init; }

    /// <summary>Author.</summary>
    public required string CreatedBy { get; init; }

    /// <summary>Why.</summary>
    public required string Comment { get; init; }

    /// <summary>Recurrence; null for a one-off silence.</summary>
    public QuietHours? QuietHours { get; init; }
}
