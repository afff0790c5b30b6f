using Conciergus.Core.Model;
using Conciergus.Core.Traces;

/// <summary>
/// A log of staged rows in generations (a generation = the rows of one load): each commit interval's rows are written
/// and fsync'd; after a load commits, the next generation starts and the loaded generation's files are deleted (a
/// restart would replay only generations not yet loaded). Subclasses choose the format.
/// </summary>
internal abstract class StageLog : IDisposable
{
    private long _closedBytes;

    public long Bytes { get; private set; }

    public int Syncs { get; private set; }

    protected long Generation { get; private set; }

    /// <summary>Bytes in the open generation's files.</summary>
    protected abstract long OpenBytes { get; }

    public void Write(AiOperation[] operations, SpanRecord[]? spans, List<int> batch, int from, int take)
    {
        for (var k = from; k < from + take; k++)
        {
            WriteOperation(operations[batch[k]]);
            if (spans is not null)
            {
                WriteSpan(spans[batch[k]]);
            }
        }

        Sync();
        Syncs++;
        Bytes = _closedBytes + OpenBytes;
    }

    /// <summary>After a load committed: the next generation's files; the loaded ones are deleted.</summary>
    public void NextGeneration()
    {
        _closedBytes += OpenBytes;
        var loaded = Close();
        Generation++;
        Open();
        foreach (var file in loaded)
        {
            File.Delete(file);
        }
    }

    public void Dispose()
    {
        Close();
        GC.SuppressFinalize(this);
    }

    protected abstract void WriteOperation(AiOperation operation);

    protected abstract void WriteSpan(SpanRecord span);

    /// <summary>Flushes and fsyncs the open generation's files.</summary>
    protected abstract void Sync();

    /// <summary>Opens the files of <see cref="Generation"/>.</summary>
    protected abstract void Open();

    /// <summary>Closes the open generation's files and names them.</summary>
    protected abstract string[] Close();
}
