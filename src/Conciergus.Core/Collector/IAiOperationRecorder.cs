using Conciergus.Core.Model;

namespace Conciergus.Core.Collector;

/// <summary>Where producers (middleware, OTLP, JSON API, demo) hand operations in. Implemented by <see cref="AiOperationCollector"/>.</summary>
public interface IAiOperationRecorder
{
    /// <summary>Records one operation. Never throws, never blocks.</summary>
    void Record(AiOperation operation);
}
