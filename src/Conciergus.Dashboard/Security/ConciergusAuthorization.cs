using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Conciergus.Dashboard.Security;

/// <summary>Policy names for [Authorize(Policy = ...)] and &lt;AuthorizeView Policy="..."&gt;: the role or a higher one.</summary>
public static class ConciergusPolicies
{
    /// <summary>Viewer or higher.</summary>
    public const string Viewer = "Conciergus.Viewer";

    /// <summary>Operator or higher.</summary>
    public const string Operator = "Conciergus.Operator";

    /// <summary>Admin.</summary>
    public const string Admin = "Conciergus.Admin";

    /// <summary>The policy name for a role.</summary>
    public static string For(ConciergusRole role) => role switch
    {
        ConciergusRole.Viewer => Viewer,
        ConciergusRole.Operator => Operator,
        ConciergusRole.Admin => Admin,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Not a role."),
    };
}

/// <summary>Requires a principal holding <see cref="Role"/> or a higher role.</summary>
/// <param name="Role">The least role.</param>
public sealed record MinimumRoleRequirement(ConciergusRole Role) : IAuthorizationRequirement;

/// <summary>
/// The central rule every endpoint without its own [Authorize] gets (the fallback and default policy):
/// ingestion endpoints are left to their ingestion-key filter; an endpoint's <see cref="RequiredRoleMetadata"/>
/// wins; otherwise API GET/HEAD need Viewer and other API methods Operator; pages need Viewer.
/// </summary>
public sealed class EndpointRoleRequirement : IAuthorizationRequirement
{
    /// <summary>The least role for a request to <paramref name="endpoint"/> with <paramref name="method"/>; null when the endpoint authenticates by itself.</summary>
    public static ConciergusRole? RequiredRole(Endpoint? endpoint, string path, string method)
    {
        if (endpoint?.Metadata.GetMetadata<IngestionEndpointMetadata>() is not null)
        {
            return null;
        }

        // The last one wins, so a group default can be overridden on one endpoint.
        if (endpoint?.Metadata.GetOrderedMetadata<RequiredRoleMetadata>() is { Count: > 0 } declared)
        {
            return declared[^1].Role;
        }

        if (ApiPaths.IsApi(path) && !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !HttpMethods.IsOptions(method))
        {
            return ConciergusRole.Operator;
        }

        return ConciergusRole.Viewer;
    }
}

/// <summary>Evaluates <see cref="MinimumRoleRequirement"/> and <see cref="EndpointRoleRequirement"/>.</summary>
public sealed class ConciergusRoleHandler : IAuthorizationHandler
{
    /// <inheritdoc />
    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var requirement in context.PendingRequirements.ToList())
        {
            switch (requirement)
            {
                case MinimumRoleRequirement minimum when context.User.HasConciergusRole(minimum.Role):
                    context.Succeed(requirement);
                    break;
                case EndpointRoleRequirement:
                    var http = context.Resource as HttpContext;
                    var endpoint = http?.GetEndpoint() ?? context.Resource as Endpoint;
                    var required = EndpointRoleRequirement.RequiredRole(endpoint, http?.Request.Path ?? default, http?.Request.Method ?? HttpMethods.Get);
                    if (required is null || context.User.HasConciergusRole(required.Value))
                    {
                        context.Succeed(requirement);
                    }

                    break;
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>Which paths are API (answered with problem details, never redirected to the login page).</summary>
public static class ApiPaths
{
    /// <summary>Whether <paramref name="path"/> is the HTTP API, OTLP, metrics or health.</summary>
    public static bool IsApi(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/v1") || path.StartsWithSegments("/metrics")
        || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/auth");

    /// <summary>Whether the request is for the API.</summary>
    public static bool IsApi(HttpContext context) => IsApi(context?.Request.Path ?? default);
}

/// <summary>
/// API callers get 401/403 problem details (with WWW-Authenticate) instead of the cookie scheme's redirect to /login.
/// Pages keep the default behaviour (redirect to /login, or to /access-denied for a too-low role).
/// </summary>
public sealed class ApiAwareAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    /// <inheritdoc />
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (!ApiPaths.IsApi(context) || authorizeResult.Succeeded)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
            return;
        }

        var signedIn = context.User.Identity?.IsAuthenticated == true;
        var required = EndpointRoleRequirement.RequiredRole(context.GetEndpoint(), context.Request.Path, context.Request.Method);
        ProblemHttpResult problem;
        if (authorizeResult.Forbidden && signedIn)
        {
            problem = TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Role too low",
                detail: $"This endpoint needs the {required ?? ConciergusRole.Viewer} role or higher; the credentials sent carry {context.User.GetConciergusRole()?.ToString() ?? "no role"}.");
        }
        else
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            problem = TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "API key required",
                detail: $"Send an API key as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>' (role {required ?? ConciergusRole.Viewer} or higher). Ingestion keys are not accepted here.");
        }

        await problem.ExecuteAsync(context).ConfigureAwait(false);
    }
}
