namespace Conciergus.Core.TimeSeries;

/// <summary>Bounded per-user-per-day (UTC) cost ledger: top spenders and per-user budgets without unbounded memory.</summary>
public sealed class UserCostLedger
{
    /// <summary>Creates the ledger.</summary>
    public UserCostLedger(TimeSeriesOptions options, TimeProvider timeProvider) => throw new NotImplementedException();

    /// <summary>Adds one operation's cost and tokens to the user's day.</summary>
    public void Record(string userId, DateTimeOffset at, decimal costUsd, long inputTokens, long outputTokens) => throw new NotImplementedException();

    /// <summary>Users by cost over the UTC days that overlap [from, to), highest first.</summary>
    public IReadOnlyList<UserCostRow> Top(DateTimeOffset from, DateTimeOffset to, int limit) => throw new NotImplementedException();

    /// <summary>One user's totals over the UTC days that overlap [from, to); null when unknown.</summary>
    public UserCostRow? ForUser(string userId, DateTimeOffset from, DateTimeOffset to) => throw new NotImplementedException();

    /// <summary>Users that went to the overflow row because a day was full.</summary>
    public long OverflowCount => throw new NotImplementedException();
}

/// <summary>One user's totals over a range of days.</summary>
public sealed record UserCostRow(string UserId, decimal CostUsd, long Requests, long InputTokens, long OutputTokens);
