using System.Security.Cryptography;

namespace Conciergus.Dashboard.Security;

/// <summary>
/// Security headers on every response. The Content-Security-Policy allows what the dashboard loads and no more:
/// <list type="bullet">
/// <item>script-src 'self' plus a per-request nonce, which only the import map (an inline
/// <c>&lt;script type="importmap"&gt;</c> rendered by &lt;ImportMap/&gt;) carries; Blazor Server needs no eval.</item>
/// <item>style-src 'self' 'unsafe-inline': MudBlazor and ApexCharts set style attributes and inject style elements.</item>
/// <item>connect-src 'self': the Blazor circuit's WebSocket (CSP3 'self' covers ws/wss to the same host).</item>
/// <item>img-src/font-src 'self' data: (inline SVG icons and chart exports); frame-ancestors 'none'; form-action 'self'.</item>
/// </list>
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    private const string NonceKey = "Conciergus.CspNonce";

    /// <summary>The request's CSP nonce (for the import map's script element).</summary>
    public static string Nonce(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(NonceKey, out var existing) && existing is string nonce)
        {
            return nonce;
        }

        // Hex, not base64: '+' and '/' would be HTML-encoded in the attribute (harmless to browsers, noisy to read).
        nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        return nonce;
    }

    /// <summary>The policy for a response with <paramref name="nonce"/>.</summary>
    public static string ContentSecurityPolicy(string nonce) =>
        "default-src 'self'; " +
        $"script-src 'self' 'nonce-{nonce}'; " +
        "style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data:; " +
        "font-src 'self' data:; " +
        "connect-src 'self'; " +
        "object-src 'none'; " +
        "base-uri 'self'; " +
        "form-action 'self'; " +
        "frame-ancestors 'none'";

    /// <summary>Adds the headers before the response starts.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var nonce = Nonce(context);
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy(nonce);
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
            return Task.CompletedTask;
        });
        return next(context);
    }
}
