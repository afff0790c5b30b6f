using Conciergus.Core.Model;

namespace Conciergus.Core.Collector;

/// <summary>
/// A read model fed by the collector (trace store, experiments, ...). Register with
/// <c>services.AddSingleton&lt;IAiOperationSink, X&gt;()</c>; the collector calls every sink for every operation.
/// </summary>
public interface IAiOperationSink
{
    /// <summary>Takes one priced, categorised operation. Must be fast and must not block; exceptions count as drops.</summary>
    void Accept(AiOperation operation);
}
