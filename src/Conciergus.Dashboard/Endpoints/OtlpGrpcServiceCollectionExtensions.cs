using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>Registers the OTLP/gRPC receiver.</summary>
public static class OtlpGrpcServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="OtlpGrpcServer"/> (a hosted service; listens on <c>Conciergus:Ingestion:Otlp:GrpcEndpoint</c>,
    /// off when empty). Needs <c>AddConciergusOtlp</c> and <c>AddConciergusIngestion</c>.
    /// </summary>
    public static IServiceCollection AddConciergusOtlpGrpc(this IServiceCollection services)
    {
        services.TryAddSingleton<OtlpGrpcServer>();
        services.AddHostedService(sp => sp.GetRequiredService<OtlpGrpcServer>());
        return services;
    }
}
