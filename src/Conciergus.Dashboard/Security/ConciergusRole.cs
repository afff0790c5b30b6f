namespace Conciergus.Dashboard.Security;

/// <summary>Roles, lowest first: each role can do what the ones before it can.</summary>
public enum ConciergusRole
{
    /// <summary>Reads everything.</summary>
    Viewer = 1,

    /// <summary>Acknowledges and resolves alerts, starts and stops experiments.</summary>
    Operator = 2,

    /// <summary>Rules, settings, users, keys, data-subject erasure.</summary>
    Admin = 3,
}

/// <summary>Endpoint metadata: the least role that may call the endpoint (enforced by the sign-in feature).</summary>
/// <param name="Role">The least role.</param>
public sealed record RequiredRoleMetadata(ConciergusRole Role);

/// <summary>Endpoint metadata: the endpoint authenticates by itself (ingestion keys), not by user or API key.</summary>
public sealed record IngestionEndpointMetadata;

/// <summary>Tags endpoints with the role they need.</summary>
public static class RequiredRoleExtensions
{
    /// <summary>
    /// Declares the least role for these endpoints. Without it, /api/v1 GETs need Viewer and other methods Operator.
    /// </summary>
    public static TBuilder RequireConciergusRole<TBuilder>(this TBuilder builder, ConciergusRole role)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint => endpoint.Metadata.Add(new RequiredRoleMetadata(role)));
        return builder;
    }

    /// <summary>Declares that these endpoints authenticate with an ingestion key, not with sign-in.</summary>
    public static TBuilder AsIngestionEndpoint<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint => endpoint.Metadata.Add(new IngestionEndpointMetadata()));
        return builder;
    }
}
