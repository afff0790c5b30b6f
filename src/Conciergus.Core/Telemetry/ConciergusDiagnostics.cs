namespace Conciergus.Core.Telemetry;

/// <summary>Names the middleware publishes for diagnostics.</summary>
public static class ConciergusDiagnostics
{
    /// <summary>
    /// The <see cref="System.Diagnostics.ActivitySource"/> name of the middleware's spans; add it to an
    /// OpenTelemetry tracer (<c>AddSource("Conciergus.AI")</c>) to export them.
    /// </summary>
    public const string ActivitySourceName = "Conciergus.AI";
}
