using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Conciergus.Dashboard.Security;

/// <summary>
/// Endpoint metadata: an API endpoint that a signed-in browser may call with a form POST carrying the antiforgery
/// token (a download that changes state, such as an audited export). Other API writes never accept the cookie.
/// </summary>
public sealed record BrowserFormPostMetadata;

/// <summary>
/// Request-forgery rules for the few API endpoints browsers call: state changes are POSTs that check antiforgery when
/// the cookie authenticates them, and a GET that would change state refuses the cookie (a top-level navigation from
/// another site carries it), while API-key callers, which no other site can make a browser send, keep working.
/// </summary>
public static class BrowserFormPost
{
    /// <summary>
    /// Lets a signed-in browser POST a form (with the antiforgery token) to these endpoints; cookie-authenticated
    /// requests without a valid token get 400. API-key callers need no token.
    /// </summary>
    public static RouteHandlerBuilder AllowBrowserFormPost(this RouteHandlerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint => endpoint.Metadata.Add(new BrowserFormPostMetadata()));
        builder.DisableAntiforgery(); // checked below only for cookie callers (an API key is not ambient)
        return builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (SignedInWithCookie(http))
            {
                var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
                if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http).ConfigureAwait(false))
                {
                    return TypedResults.Problem(
                        statusCode: StatusCodes.Status400BadRequest,
                        title: "Antiforgery token missing or invalid",
                        detail: "A signed-in browser changes state only with a form POST from the dashboard's own page (it carries the antiforgery token). Reload the page and try again.");
                }
            }

            return await next(context).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// A GET that changes state (an audited export) answers API-key callers only; a signed-in browser gets 405 and is
    /// told to use the POST (the page's button), so a link on another site cannot make it act.
    /// </summary>
    public static RouteHandlerBuilder RefuseCookieGet(this RouteHandlerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (SignedInWithCookie(http))
            {
                http.Response.Headers.Allow = "POST";
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status405MethodNotAllowed,
                    title: "Use POST",
                    detail: "This export changes state (it is audited or completes a request): from a browser, use the dashboard's button (a form POST with the antiforgery token); automation may GET it with an API key.");
            }

            return await next(context).ConfigureAwait(false);
        });
    }

    /// <summary>Whether the request is signed in through the sign-in cookie (not an API key).</summary>
    public static bool SignedInWithCookie(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.User.Identity is { IsAuthenticated: true, AuthenticationType: var type }
            && !string.Equals(type, ApiKeyAuthenticationHandler.SchemeName, StringComparison.Ordinal)
            && (string.Equals(type, CookieAuthenticationDefaults.AuthenticationScheme, StringComparison.Ordinal) || !ApiKeyAuthenticationHandler.HasKey(http.Request));
    }
}
