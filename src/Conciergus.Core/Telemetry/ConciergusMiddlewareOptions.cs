namespace Conciergus.Core.Telemetry;

/// <summary>Defaults for one <c>UseConciergus()</c> pipeline.</summary>
public sealed class ConciergusMiddlewareOptions
{
    /// <summary>
    /// Application used when neither the call's properties nor the ambient <see cref="ConciergusContext"/>
    /// name one; null means the entry assembly's name.
    /// </summary>
    public string? Application { get; set; }

    /// <summary>Deployment environment used when the call does not name one; null leaves it unset.</summary>
    public string? Environment { get; set; }

    /// <summary>
    /// Provider used when the inner client's <c>ChatClientMetadata.ProviderName</c> is missing; null means "unknown".
    /// </summary>
    public string? Provider { get; set; }
}
