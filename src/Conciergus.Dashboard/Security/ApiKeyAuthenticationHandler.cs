using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Security;

/// <summary>
/// The "ApiKey" scheme: a key from <c>X-Api-Key</c> or <c>Authorization: Bearer</c> signs the request in as
/// "api-key:&lt;id&gt;" with the key's role. No header: no result (anonymous); an unknown key: failure.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>Scheme name.</summary>
    public const string SchemeName = "ApiKey";

    /// <summary>Header for API keys (besides Authorization: Bearer).</summary>
    public const string HeaderName = "X-Api-Key";

    /// <summary>Whether the request carries an API key header at all.</summary>
    public static bool HasKey(HttpRequest request) => ReadKey(request) is not null;

    /// <summary>The key from <c>X-Api-Key</c> or <c>Authorization: Bearer</c>.</summary>
    public static string? ReadKey(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Headers.TryGetValue(HeaderName, out var value) && !string.IsNullOrWhiteSpace(value))
        {
            return value.ToString().Trim();
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > "Bearer ".Length
            ? authorization["Bearer ".Length..].Trim()
            : null;
    }

    /// <inheritdoc />
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var candidate = ReadKey(Request);
        if (candidate is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (keys.Validate(candidate) is not { } key)
        {
            return Task.FromResult(AuthenticateResult.Fail("Invalid or revoked API key."));
        }

        var principal = ConciergusClaims.Principal($"api-key:{key.Id}", key.Role, SchemeName, new Claim("conciergus:api_key_id", key.Id));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}
