using Conciergus.Core.Model;

namespace Conciergus.Core.Collector;

/// <summary>
/// Changes an operation after pricing and before it reaches the time-series cache, the per-user ledger, recent
/// errors and every <see cref="IAiOperationSink"/> (the compliance feature removes the user id of users without
/// analytics consent). Register with <c>services.AddSingleton&lt;IAiOperationPreprocessor, X&gt;()</c>.
/// </summary>
public interface IAiOperationPreprocessor
{
    /// <summary>Returns the operation to record: the same instance when nothing changes (allocation-free), else a copy. Must be fast and must not throw.</summary>
    AiOperation Process(AiOperation operation);
}
