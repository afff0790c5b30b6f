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
}
