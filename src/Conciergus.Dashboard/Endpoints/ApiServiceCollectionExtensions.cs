using System.Text.Json.Serialization;
using Conciergus.Core.Ingestion;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>Registers what the HTTP API needs.</summary>
public static class ApiServiceCollectionExtensions
{
    /// <summary>Problem details (no stack traces to clients), camelCase JSON, the request size cap and the endpoint filters.</summary>
    public static IServiceCollection AddConciergusApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<StorageUnavailableExceptionHandler>();
        services.AddExceptionHandler<RefusalExceptionHandler>();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });

        // Kestrel's own cap stays above ours, so the endpoint answers an oversize body with a 413 problem it names.
        var maxBytes = configuration.GetSection(IngestionOptions.SectionName).GetValue<long?>(nameof(IngestionOptions.MaxRequestBytes))
            ?? new IngestionOptions().MaxRequestBytes;
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o =>
            o.Limits.MaxRequestBodySize = Math.Max(maxBytes + 1, 30_000_000));
        services.AddSingleton<IngestionKeyFilter>();
        return services;
    }
}
