using Conciergus.Core.Audit;

namespace Conciergus.Core.Logs;

/// <summary>
/// Data-subject requests reach the log store ("logs"): a record names the user when an attribute value equals the
/// user id or its body contains it. Export lists those records; erasure removes them whole (a log line that names a
/// person cannot be made anonymous by removing one field).
/// </summary>
public sealed partial class LogStore : ISubjectDataStore
{
    /// <inheritdoc />
    public string Name => "logs";

    /// <inheritdoc />
    public ValueTask<object?> ExportAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        List<LogRecordEntry> found;
        lock (_gate)
        {
            found = [.. _slots.Select(s => s.Entry).OfType<LogRecordEntry>().Where(e => Names(e, userId))];
        }

        return ValueTask.FromResult<object?>(new { records = found });
    }

    /// <inheritdoc />
    public ValueTask<long> EraseAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        long erased = 0;
        lock (_gate)
        {
            foreach (var slot in _slots)
            {
                if (slot.Entry is { } e && Names(e, userId))
                {
                    Unindex(slot);
                    _count--;
                    _bytes -= slot.Bytes;
                    slot.Entry = null;
                    erased++;
                }
            }

            EvictOverflow(); // drops erased slots that now sit at the head
        }

        return ValueTask.FromResult(erased);
    }

    private static bool Names(LogRecordEntry e, string userId) =>
        e.Attributes.Values.Contains(userId) || (e.Body?.Contains(userId, StringComparison.Ordinal) ?? false);
}
