using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Security;

/// <summary>
/// POST /auth/login and /auth/logout (form posts with antiforgery: a Blazor circuit cannot set cookies),
/// GET /auth/sso (OpenID Connect challenge when configured).
/// </summary>
public static class AuthEndpoints
{
    /// <summary>Path of the sign-in POST.</summary>
    public const string LoginPath = "/auth/login";

    /// <summary>Path of the sign-out POST.</summary>
    public const string LogoutPath = "/auth/logout";

    /// <summary>Path that starts OpenID Connect sign-in.</summary>
    public const string SsoPath = "/auth/sso";

    /// <summary>Largest sign-in form accepted.</summary>
    public const long MaxLoginBytes = 16 * 1024;

    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/auth").AllowAnonymous().ExcludeFromDescription();
        auth.MapPost("/login", LoginAsync)
            .WithMetadata(new RequestSizeLimitAttribute(MaxLoginBytes))
            .WithMetadata(new RequestFormLimitsAttribute { ValueLengthLimit = 4096, ValueCountLimit = 8, MultipartBodyLengthLimit = MaxLoginBytes });
        auth.MapPost("/logout", LogoutAsync).DisableAntiforgery(); // validated in the handler, with a clear answer
        auth.MapGet("/sso", (string? returnUrl, IOptions<AuthOptions> options) =>
            options.Value.OpenIdConnect.Enabled
                ? Results.Challenge(new AuthenticationProperties { RedirectUri = LocalOrRoot(returnUrl) }, [OpenIdConnectDefaults.AuthenticationScheme])
                : Results.NotFound());
        return app;
    }

    /// <summary><paramref name="returnUrl"/> when it is a path on this site, else "/" (no open redirects).</summary>
    public static string LocalOrRoot(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl[0] != '/')
        {
            return "/";
        }

        // "//host" and "/\host" are protocol-relative URLs to another site; control characters are never needed.
        if (returnUrl.Length > 1 && (returnUrl[1] == '/' || returnUrl[1] == '\\'))
        {
            return "/";
        }

        if (returnUrl.Any(char.IsControl))
        {
            return "/";
        }

        // A Location header carries ASCII only: a space or a character such as U+3000 would make the redirect fail
        // (500). Percent-encoded (UTF-8), the browser lands on the same path.
        if (!returnUrl.Any(c => c is <= ' ' or > '~'))
        {
            return returnUrl;
        }

        var encoded = new System.Text.StringBuilder(returnUrl.Length * 3);
        foreach (var rune in returnUrl.EnumerateRunes())
        {
            encoded.Append(rune.Value is > ' ' and <= '~' ? rune.ToString() : Uri.EscapeDataString(rune.ToString()));
        }

        return encoded.ToString();
    }

    private static async Task<IResult> LoginAsync([FromForm] LoginForm form, HttpContext http, LocalSignIn signIn, IOptions<AuthOptions> options)
    {
        var returnUrl = LocalOrRoot(form.ReturnUrl);
        if (options.Value.OpenIdConnect.Enabled)
        {
            return Results.Redirect($"{SsoPath}?returnUrl={Uri.EscapeDataString(returnUrl)}");
        }

        if (await signIn.SignInAsync(http, form.UserName, form.Password, http.RequestAborted).ConfigureAwait(false))
        {
            return Results.LocalRedirect(returnUrl);
        }

        return Results.LocalRedirect($"/login?error=1&returnUrl={Uri.EscapeDataString(returnUrl)}");
    }

    private static async Task<IResult> LogoutAsync(HttpContext http, LocalSignIn signIn, IAntiforgery antiforgery)
    {
        // Sign-out is a state change: only the dashboard's own form (with its antiforgery token) may ask for it, so
        // another site cannot sign a user out (nor mark a sign-out in the audit trail in their name).
        if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Antiforgery token missing or invalid",
                detail: "Sign out with the dashboard's Sign out button (a form POST with the antiforgery token).");
        }

        await signIn.SignOutAsync(http, http.RequestAborted).ConfigureAwait(false);
        return Results.LocalRedirect("/login?signedOut=1");
    }

    /// <summary>The sign-in form.</summary>
    public sealed class LoginForm
    {
        /// <summary>User name.</summary>
        public string? UserName { get; set; }

        /// <summary>Password.</summary>
        public string? Password { get; set; }

        /// <summary>Where to go after signing in (local paths only).</summary>
        public string? ReturnUrl { get; set; }
    }
}
