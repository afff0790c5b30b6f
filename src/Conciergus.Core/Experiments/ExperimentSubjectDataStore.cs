using Conciergus.Core.Audit;

namespace Conciergus.Core.Experiments;

/// <summary>Lets data-subject export and erasure reach experiment assignments and per-user outcomes.</summary>
internal sealed class ExperimentSubjectDataStore(ExperimentService experiments) : ISubjectDataStore
{
    public string Name => "experiments";

    public ValueTask<object?> ExportAsync(string userId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(experiments.Export(userId));

    public ValueTask<long> EraseAsync(string userId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(experiments.Erase(userId));
}
