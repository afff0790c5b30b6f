using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Conciergus.Core.TimeSeries;

/// <summary>Bounded per-user-per-day (UTC) cost ledger: top spenders and per-user budgets without unbounded memory.</summary>
/// <remarks>
/// A ring of <see cref="TimeSeriesOptions.UserLedgerDays"/> day slots (slot = day number % days), each a dictionary
/// from user id to totals under its own short lock. A day older than the ledger's reach (relative to now) is not
/// recorded and not reported; its slot is reused by the next day that maps to it. A timestamp in the future is
/// booked on today. Each day admits <see cref="TimeSeriesOptions.MaxUsersPerDay"/> users; later users of that day go
/// to the <see cref="OverflowUserId"/> row.
/// </remarks>
public sealed class UserCostLedger
{
    /// <summary>The row that takes users beyond a day's cap.</summary>
    public const string OverflowUserId = SeriesKey.OverflowValue;

    private readonly TimeProvider _timeProvider;
    private readonly int _maxUsersPerDay;
    private readonly DaySlot[] _days;
    private long _overflow;

    /// <summary>Creates the ledger.</summary>
    public UserCostLedger(TimeSeriesOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        TimeSeriesOptionsValidator.ThrowIfInvalid(options);
        _timeProvider = timeProvider;
        _maxUsersPerDay = options.MaxUsersPerDay;
        _days = new DaySlot[options.UserLedgerDays];
        for (var i = 0; i < _days.Length; i++)
        {
            _days[i] = new DaySlot();
        }
    }

    /// <summary>Users that went to the overflow row because a day was full.</summary>
    public long OverflowCount => Interlocked.Read(ref _overflow);

    /// <summary>UTC days kept, counting today (the window a restore reads).</summary>
    public int Days => _days.Length;

    /// <summary>
    /// Loads operations read back from the operation store at start (history restore): each one with a user id is booked
    /// on the UTC day of its completion time, as the collector books it live; days the ledger no longer keeps are skipped.
    /// Safe alongside live recording (same per-day lock).
    /// </summary>
    /// <returns>How many operations named a user.</returns>
    public int Restore(IReadOnlyList<Model.AiOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var booked = 0;
        var nowTicks = _timeProvider.GetUtcNow().UtcTicks;
        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i] is { UserId: { Length: > 0 } userId } operation)
            {
                // As the collector books it (EndTime), without its exception for a non-finite duration.
                var at = double.IsFinite(operation.DurationMs) && Math.Abs(operation.DurationMs) < TimeSpan.FromDays(3650).TotalMilliseconds
                    ? operation.EndTime
                    : operation.StartTime;
                Record(userId, at, operation.CostUsd ?? 0m, operation.InputTokens, operation.OutputTokens, nowTicks);
                booked++;
            }
        }

        return booked;
    }

    /// <summary>Adds one operation's cost and tokens to the user's day.</summary>
    public void Record(string userId, DateTimeOffset at, decimal costUsd, long inputTokens, long outputTokens) =>
        Record(userId, at, costUsd, inputTokens, outputTokens, _timeProvider.GetUtcNow().UtcTicks);

    /// <summary>
    /// Bulk history restore: adds what the store summed for one user on one UTC day (<paramref name="at"/> is any instant
    /// of that day) as <paramref name="requests"/> operations would add it, under the same rules (future days booked on
    /// today, days out of reach skipped, the day's user cap). Adds to what the day holds (live operations included).
    /// </summary>
    public void RestoreTotals(string userId, DateTimeOffset at, decimal costUsd, long requests, long inputTokens, long outputTokens) =>
        Record(userId, at, costUsd, inputTokens, outputTokens, _timeProvider.GetUtcNow().UtcTicks, requests);

    /// <summary>As the public overload, with the clock already read by the caller (the collector reads it once per operation).</summary>
    internal void Record(string userId, DateTimeOffset at, decimal costUsd, long inputTokens, long outputTokens, long nowTicks, long requests = 1)
    {
        if (string.IsNullOrEmpty(userId))
        {
            return;
        }

        var today = (int)(nowTicks / TimeSpan.TicksPerDay);
        var day = Math.Min((int)(at.UtcTicks / TimeSpan.TicksPerDay), today);
        if (day <= today - _days.Length)
        {
            return;
        }

        var slot = _days[day % _days.Length];

        // Safe: a slot's day number and dictionary only change under its lock; the section is one dictionary
        // lookup and four additions (plus a Clear when the slot moves on to a newer day).
        lock (slot.Gate)
        {
            if (slot.Day != day)
            {
                if (slot.Day > day)
                {
                    // The slot already holds a newer day: this day has been evicted.
                    return;
                }

                slot.Day = day;
                slot.Users.Clear();
            }

            ref var totals = ref CollectionsMarshal.GetValueRefOrNullRef(slot.Users, userId);
            if (Unsafe.IsNullRef(ref totals))
            {
                if (slot.Users.Count >= _maxUsersPerDay + (slot.Users.ContainsKey(OverflowUserId) ? 1 : 0) || userId == OverflowUserId)
                {
                    Interlocked.Increment(ref _overflow);
                    userId = OverflowUserId;
                }

                totals = ref CollectionsMarshal.GetValueRefOrAddDefault(slot.Users, userId, out _);
            }

            totals.CostUsd += costUsd;
            totals.Requests += requests;
            totals.InputTokens += inputTokens;
            totals.OutputTokens += outputTokens;
        }
    }

    /// <summary>Users by cost over the UTC days that overlap [from, to), highest first.</summary>
    public IReadOnlyList<UserCostRow> Top(DateTimeOffset from, DateTimeOffset to, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var sums = new Dictionary<string, Totals>(StringComparer.Ordinal);
        foreach (var (slot, day) in DaysOverlapping(from, to))
        {
            // Safe: the slot is read under its lock (and only if it still holds that day); the copy into sums
            // leaves the lock before any sorting.
            lock (slot.Gate)
            {
                if (slot.Day != day)
                {
                    continue;
                }

                foreach (var (user, totals) in slot.Users)
                {
                    ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(sums, user, out _);
                    sum.Add(totals);
                }
            }
        }

        return sums
            .OrderByDescending(pair => pair.Value.CostUsd)
            .ThenByDescending(pair => pair.Value.Requests)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Take(limit)
            .Select(pair => pair.Value.ToRow(pair.Key))
            .ToList();
    }

    /// <summary>One user's totals over the UTC days that overlap [from, to); null when unknown.</summary>
    public UserCostRow? ForUser(string userId, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(userId);
        Totals sum = default;
        var found = false;
        foreach (var (slot, day) in DaysOverlapping(from, to))
        {
            lock (slot.Gate)
            {
                if (slot.Day == day && slot.Users.TryGetValue(userId, out var totals))
                {
                    sum.Add(totals);
                    found = true;
                }
            }
        }

        return found ? sum.ToRow(userId) : null;
    }

    /// <summary>Every retained day the user has totals for, oldest first (data-subject export).</summary>
    public IReadOnlyList<UserCostDay> ExportUser(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var result = new List<UserCostDay>();
        foreach (var slot in _days)
        {
            lock (slot.Gate)
            {
                if (slot.Users.TryGetValue(userId, out var totals))
                {
                    result.Add(new UserCostDay(DateOnly.FromDayNumber(slot.Day), totals.CostUsd, totals.Requests, totals.InputTokens, totals.OutputTokens));
                }
            }
        }

        result.Sort((a, b) => a.Day.CompareTo(b.Day));
        return result;
    }

    /// <summary>Removes the user's rows from every day (data-subject erasure); returns how many day rows were removed.</summary>
    /// <remarks>The user's spend stays in the aggregate series (which hold no user id); only the per-user rows go.</remarks>
    public int EraseUser(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var removed = 0;
        foreach (var slot in _days)
        {
            lock (slot.Gate)
            {
                if (slot.Users.Remove(userId))
                {
                    removed++;
                }
            }
        }

        return removed;
    }

    private static int DayNumber(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime).DayNumber;

    /// <summary>The slots of retained days that overlap [from, to); callers check the day again under the slot's lock.</summary>
    private List<(DaySlot Slot, int Day)> DaysOverlapping(DateTimeOffset from, DateTimeOffset to)
    {
        var result = new List<(DaySlot, int)>();
        if (to <= from)
        {
            return result;
        }

        var today = DayNumber(_timeProvider.GetUtcNow());
        var first = Math.Max(DayNumber(from), today - _days.Length + 1);
        var last = Math.Min(DayNumber(to.AddTicks(-1)), today);
        for (var day = first; day <= last; day++)
        {
            var slot = _days[day % _days.Length];
            if (Volatile.Read(ref slot.Day) == day)
            {
                result.Add((slot, day));
            }
        }

        return result;
    }

    private sealed class DaySlot
    {
        public readonly Lock Gate = new();
        public readonly Dictionary<string, Totals> Users = new(StringComparer.Ordinal);
        public int Day = int.MinValue;
    }

    private struct Totals
    {
        public decimal CostUsd;
        public long Requests;
        public long InputTokens;
        public long OutputTokens;

        public void Add(in Totals other)
        {
            CostUsd += other.CostUsd;
            Requests += other.Requests;
            InputTokens += other.InputTokens;
            OutputTokens += other.OutputTokens;
        }

        public readonly UserCostRow ToRow(string userId) => new(userId, CostUsd, Requests, InputTokens, OutputTokens);
    }
}

/// <summary>One user's totals over a range of days.</summary>
public sealed record UserCostRow(string UserId, decimal CostUsd, long Requests, long InputTokens, long OutputTokens);

/// <summary>One user's totals on one UTC day.</summary>
public sealed record UserCostDay(DateOnly Day, decimal CostUsd, long Requests, long InputTokens, long OutputTokens);
