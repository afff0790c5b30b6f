using Conciergus.Core.Model;

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

    /// <summary>Kept failures that <paramref name="match"/> selects, newest first (data-subject export: any that mentions the user).</summary>
    public IReadOnlyList<AiOperation> Matching(Func<AiOperation, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        var result = new List<AiOperation>();
        lock (_gate)
        {
            var count = Math.Min(_next, Capacity);
            for (long i = 1; i <= count; i++)
            {
                if (_ring[(_next - i) % Capacity] is { } op && match(op))
                {
                    result.Add(op);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Data-subject erasure: drops every kept failure that <paramref name="match"/> selects (an error sample that
    /// mentions the user anywhere, its message included, is not kept without the user: it goes); returns how many.
    /// </summary>
    public int Remove(Func<AiOperation, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        var removed = 0;
        lock (_gate)
        {
            for (var i = 0; i < _ring.Length; i++)
            {
                if (_ring[i] is { } op && match(op))
                {
                    _ring[i] = null; // readers skip empty slots
                    removed++;
                }
            }
        }

        return removed;
    }
}
