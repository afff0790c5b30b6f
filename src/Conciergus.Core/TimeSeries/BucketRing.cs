using System.Runtime.CompilerServices;

namespace Conciergus.Core.TimeSeries;

/// <summary>
/// One ring of buckets (slot = epoch % length), stored sparsely: chunks of <see cref="ChunkSize"/> buckets are allocated
/// the first time one of their slots is written and released (<see cref="ReleaseBefore"/>) once every bucket they hold
/// has left the ring's reach. A series that received one operation holds one chunk per ring, not the whole ring.
/// Guarded by its series' lock; the bytes it holds are reported to the cache's <see cref="MemoryMeter"/>.
/// </summary>
/// <remarks>
/// The meter counts one chunk for a ring that holds none (a reservation): a new series is charged at admission for
/// the chunk each ring will take at its first write or roll-up, so series admitted under the budget do not push the
/// estimate past it later when their seconds roll up into the minute and hour rings. A ring holding k chunks is
/// counted as k chunks.
/// </remarks>
internal sealed class BucketRing
{
    /// <summary>Buckets per chunk: small, so sparse traffic (one operation a minute) costs a few chunks, not the ring.</summary>
    internal const int ChunkSize = 8;

    /// <summary>Bytes of one allocated chunk (its buckets plus the array header), as the meter counts them.</summary>
    internal static readonly long ChunkBytes = (ChunkSize * Unsafe.SizeOf<TimeBucket>()) + MemoryMeter.ArrayHeaderBytes;

    // What a slot of an unallocated chunk reads as: never holds an epoch, never written (writers call Write).
    private static readonly TimeBucket Empty = new() { Epoch = TimeBucket.NoEpoch };

    private readonly TimeBucket[]?[] _chunks;
    private readonly MemoryMeter _meter;

    public BucketRing(int length, MemoryMeter meter)
    {
        Length = length;
        _meter = meter;
        _chunks = new TimeBucket[]?[(length + ChunkSize - 1) / ChunkSize];
        meter.Add(FixedBytes(length) + ChunkBytes);
    }

    /// <summary>Number of slots.</summary>
    public int Length { get; }

    /// <summary>Chunks currently allocated.</summary>
    public int AllocatedChunks { get; private set; }

    /// <summary>Bytes of an empty ring of <paramref name="length"/> slots (object and chunk table).</summary>
    internal static long FixedBytes(int length) =>
        MemoryMeter.ObjectHeaderBytes + 24 + MemoryMeter.ArrayHeaderBytes + (8L * ((length + ChunkSize - 1) / ChunkSize));

    /// <summary>The bucket in a slot for reading; a slot of an unallocated chunk reads as empty (no epoch).</summary>
    public ref readonly TimeBucket Read(int slot)
    {
        var chunk = _chunks[slot / ChunkSize];
        if (chunk is null)
        {
            return ref Empty;
        }

        return ref chunk[slot % ChunkSize];
    }

    /// <summary>The bucket in a slot for writing, allocating its chunk (counted by the meter) the first time.</summary>
    public ref TimeBucket Write(int slot)
    {
        ref var chunk = ref _chunks[slot / ChunkSize];
        if (chunk is null)
        {
            var created = new TimeBucket[ChunkSize];
            created.AsSpan().Fill(Empty);
            chunk = created;

            // The first chunk was counted (reserved) while the ring held none.
            if (AllocatedChunks++ > 0)
            {
                _meter.Add(ChunkBytes);
            }
        }

        return ref chunk[slot % ChunkSize];
    }

    /// <summary>
    /// Releases every chunk whose buckets all have epochs at or before <paramref name="lastReleasable"/> (or none),
    /// with their sketches, and takes their bytes off the meter. Returns the bytes released.
    /// </summary>
    public long ReleaseBefore(long lastReleasable)
    {
        if (AllocatedChunks == 0)
        {
            return 0;
        }

        long released = 0;
        for (var c = 0; c < _chunks.Length; c++)
        {
            if (_chunks[c] is not { } chunk)
            {
                continue;
            }

            long bytes = ChunkBytes;
            var releasable = true;
            foreach (ref readonly var bucket in chunk.AsSpan())
            {
                if (bucket.Epoch != TimeBucket.NoEpoch && bucket.Epoch > lastReleasable)
                {
                    releasable = false;
                    break;
                }

                bytes += bucket.SketchBytes;
            }

            if (releasable)
            {
                _chunks[c] = null;
                AllocatedChunks--;
                released += bytes;
            }
        }

        if (released > 0 && AllocatedChunks == 0)
        {
            // Empty again: one chunk stays counted as the reservation for the next write.
            released -= ChunkBytes;
        }

        _meter.Add(-released);
        return released;
    }

    /// <summary>Takes the whole ring (fixed part and chunks) off the meter; the ring must not be used afterwards.</summary>
    public void Forget()
    {
        ReleaseBefore(long.MaxValue);
        _meter.Add(-(FixedBytes(Length) + ChunkBytes));
    }
}

/// <summary>The cache's running estimate of the bytes its series hold (rings, chunks, sketches). Thread-safe.</summary>
internal sealed class MemoryMeter
{
    /// <summary>Object header and method table pointer of a reference type on 64-bit.</summary>
    internal const long ObjectHeaderBytes = 16;

    /// <summary>Header of an array on 64-bit (object header plus length).</summary>
    internal const long ArrayHeaderBytes = 24;

    private long _bytes;

    /// <summary>Current estimate.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    public void Add(long delta)
    {
        if (delta != 0)
        {
            Interlocked.Add(ref _bytes, delta);
        }
    }
}
