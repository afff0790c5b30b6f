using Conciergus.Core.Ingestion;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>Lets a request through only with a valid ingestion key (<c>x-otlp-api-key</c> or <c>Authorization: Bearer</c>).</summary>
public sealed class IngestionKeyFilter(IngestionKeys keys) : IEndpointFilter
{
    /// <summary>Header carrying the key for OTLP exporters.</summary>
    public const string ApiKeyHeader = "x-otlp-api-key";

    /// <inheritdoc />
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (keys.IsValid(ReadKey(context.HttpContext.Request)))
        {
            return next(context);
        }

        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return ValueTask.FromResult<object?>(Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Ingestion key required",
            detail: $"Send a valid ingestion key as the '{ApiKeyHeader}' header or as 'Authorization: Bearer <key>'."));
    }

    /// <summary>The key a request carries, if any.</summary>
    public static string? ReadKey(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Headers.TryGetValue(ApiKeyHeader, out var apiKey) && !string.IsNullOrWhiteSpace(apiKey))
        {
            return apiKey.ToString();
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }
}
