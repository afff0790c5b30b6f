using Conciergus.Core.Ingestion;
using Conciergus.Core.Ingestion.Otlp;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>The "ingestion" part of /healthz: OTLP receiver counters and the back-pressure gate.</summary>
/// <param name="Otlp">OTLP receiver counters (requests, spans accepted and rejected, ...), or null when OTLP is not registered.</param>
/// <param name="Gate">Concurrent-request limit, in flight, and requests refused with 429.</param>
public sealed record OtlpIngestionHealth(OtlpIngestionSnapshot? Otlp, IngestionGateSnapshot? Gate)
{
    /// <summary>Reads both from the services (either may be missing in a trimmed host).</summary>
    public static OtlpIngestionHealth From(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new(services.GetService<OtlpIngestionStats>()?.Snapshot(), services.GetService<IngestionGate>()?.Snapshot());
    }
}
