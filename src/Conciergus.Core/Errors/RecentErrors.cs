using Conciergus.Core.Telemetry;

namespace Conciergus.Core.Errors;

/// <summary>Bounded ring of the most recent failed operations (samples for the errors panel and API).</summary>
public sealed class RecentErrors
{
    /// <summary>How many failed operations are kept.</summary>
    public const int Capacity = 512;

    private readonly AiOperation?[] _ring = new AiOperation?[Capacity];
    private readonly Lock _gate = new();
    private long _next;

    /// <summary>Adds a failed operation, evicting the oldest when full.</summary>
    public void Add(AiOperation operation)
    {
        // A reference store into a preallocated slot: the lock is held for a few instructions only.
        lock (_gate)
        {
            _ring[_next % Capacity] = operation;
            _next++;
        }
    }

    /// <summary>Kept failures whose completion time lies in [from, to), newest first.</summary>
    public IReadOnlyList<AiOperation> Between(DateTimeOffset from, DateTimeOffset to)
    {
        var result = new List<AiOperation>();
        lock (_gate)
        {
            var count = Math.Min(_next, Capacity);
            for (long i = 1; i <= count; i++)
            {
                var op = _ring[(_next - i) % Capacity];
                if (op is not null && op.EndTime >= from && op.EndTime < to)
                {
                    result.Add(op);
                }
            }
        }

        return result;
    }

    /// <summary>Kept failures of one user, newest first (data-subject export).</summary>
    public IReadOnlyList<AiOperation> ForUser(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var result = new List<AiOperation>();
        lock (_gate)
        {
            var count = Math.Min(_next, Capacity);
            for (long i = 1; i <= count; i++)
            {
                if (_ring[(_next - i) % Capacity] is { } op && string.Equals(op.UserId, userId, StringComparison.Ordinal))
                {
                    result.Add(op);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Data-subject erasure: replaces the user's kept failures with copies without user id and session id (and
    /// without metadata values equal to the user id); returns how many were changed.
    /// </summary>
    public int EraseUser(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var changed = 0;
        lock (_gate)
        {
            for (var i = 0; i < _ring.Length; i++)
            {
                if (_ring[i] is { } op && string.Equals(op.UserId, userId, StringComparison.Ordinal))
                {
                    _ring[i] = op with
                    {
                        UserId = null,
                        SessionId = null,
                        Metadata = op.Metadata?.Where(p => !string.Equals(p.Value, userId, StringComparison.Ordinal))
                            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
                    };
                    changed++;
                }
            }
        }

        return changed;
    }
}
