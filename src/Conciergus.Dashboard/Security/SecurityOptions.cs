using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Security;

/// <summary>Sign-in options (section "Conciergus:Auth").</summary>
public sealed class AuthOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Conciergus:Auth";

    /// <summary>Password of the first <c>admin</c> account; when empty one is generated and printed once.</summary>
    public string? InitialAdminPassword { get; set; }

    /// <summary>Whether to create <c>admin</c> when there are no users (false where accounts are provisioned otherwise, as in tests of an empty audit trail).</summary>
    public bool CreateInitialAdmin { get; set; } = true;

    /// <summary>Failed sign-ins in a row from one source (client address) before that source is locked out of the account.</summary>
    public int MaxFailedAttempts { get; set; } = 5;

    /// <summary>How long a source stays locked out of an account.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Shortest password accepted for local users.</summary>
    public int MinPasswordLength { get; set; } = 10;

    /// <summary>Sign-in POSTs allowed per client IP and minute; more get 429.</summary>
    public int LoginRequestsPerMinute { get; set; } = 10;

    /// <summary>
    /// How often an open page (interactive circuit) re-checks its user against the store; a deleted, demoted or
    /// re-passworded account's open pages show the sign-in page within this interval. Every page action checks at once.
    /// </summary>
    public TimeSpan SessionRevalidationInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a sign-in lasts without activity (the cookie slides).</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(8);

    /// <summary>When <see cref="OidcSettings.Authority"/> is set, sign-in goes to this OpenID Connect provider instead of local users.</summary>
    public OidcSettings OpenIdConnect { get; set; } = new();
}

/// <summary>OpenID Connect sign-in (section "Conciergus:Auth:OpenIdConnect").</summary>
public sealed class OidcSettings
{
    /// <summary>Issuer URL; empty keeps local users.</summary>
    public string? Authority { get; set; }

    /// <summary>Client id registered at the provider.</summary>
    public string? ClientId { get; set; }

    /// <summary>Client secret (authorization code flow).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Claim whose values name our roles (Viewer, Operator, Admin); the highest wins.</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>Scopes requested besides openid.</summary>
    public List<string> Scopes { get; set; } = ["profile"];

    /// <summary>Whether OpenID Connect replaces local sign-in.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}

/// <summary>API keys for automation (section "Conciergus:Api").</summary>
public sealed class ApiOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Conciergus:Api";

    /// <summary>Keys from configuration, each with the role it grants (kept only as SHA-256 digests in memory).</summary>
    public List<ConfiguredApiKey> Keys { get; set; } = [];

    /// <summary>
    /// Ingestion requests allowed per ingestion key (or client address without one) and minute, as a token bucket
    /// (a minute's worth of burst, refilled at this rate: every second from 60 a minute, 2 a minute is 1 token every 30 s);
    /// more get 429. 0 (the default) turns the per-key limit off:
    /// the ingestion concurrency gate (Conciergus:Ingestion:MaxConcurrentRequests) protects the server.
    /// </summary>
    public int IngestionRequestsPerMinute { get; set; }
}

/// <summary>One API key from configuration.</summary>
public sealed class ConfiguredApiKey
{
    /// <summary>The secret (at least 16 characters).</summary>
    public string Key { get; set; } = "";

    /// <summary>The role it grants.</summary>
    public ConciergusRole Role { get; set; } = ConciergusRole.Viewer;
}

/// <summary>Validates <see cref="AuthOptions"/> at start.</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxFailedAttempts < 1)
        {
            failures.Add("Conciergus:Auth:MaxFailedAttempts must be at least 1.");
        }

        if (options.LockoutDuration <= TimeSpan.Zero)
        {
            failures.Add("Conciergus:Auth:LockoutDuration must be positive (for example \"00:15:00\").");
        }

        if (options.MinPasswordLength < 8)
        {
            failures.Add("Conciergus:Auth:MinPasswordLength must be at least 8.");
        }

        if (!string.IsNullOrEmpty(options.InitialAdminPassword) && options.InitialAdminPassword.Length < options.MinPasswordLength)
        {
            failures.Add($"Conciergus:Auth:InitialAdminPassword must be at least {options.MinPasswordLength} characters.");
        }

        if (options.LoginRequestsPerMinute < 1)
        {
            failures.Add("Conciergus:Auth:LoginRequestsPerMinute must be at least 1.");
        }

        if (options.SessionRevalidationInterval <= TimeSpan.Zero)
        {
            failures.Add("Conciergus:Auth:SessionRevalidationInterval must be positive (for example \"00:00:30\").");
        }

        if (options.SessionIdleTimeout <= TimeSpan.Zero)
        {
            failures.Add("Conciergus:Auth:SessionIdleTimeout must be positive (for example \"08:00:00\").");
        }

        var oidc = options.OpenIdConnect;
        if (oidc.Enabled)
        {
            if (!Uri.TryCreate(oidc.Authority, UriKind.Absolute, out _))
            {
                failures.Add($"Conciergus:Auth:OpenIdConnect:Authority '{oidc.Authority}' must be an absolute URL.");
            }

            if (string.IsNullOrWhiteSpace(oidc.ClientId))
            {
                failures.Add("Conciergus:Auth:OpenIdConnect:ClientId is required when Authority is set.");
            }

            if (string.IsNullOrWhiteSpace(oidc.RoleClaim))
            {
                failures.Add("Conciergus:Auth:OpenIdConnect:RoleClaim must name the claim carrying Viewer, Operator or Admin.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Validates <see cref="ApiOptions"/> at start.</summary>
public sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    /// <summary>Shortest API key accepted from configuration.</summary>
    public const int MinKeyLength = 16;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            if (string.IsNullOrWhiteSpace(key.Key) || key.Key.Trim().Length < MinKeyLength)
            {
                failures.Add($"Conciergus:Api:Keys:{i}:Key must be at least {MinKeyLength} characters (use a long random value).");
            }

            if (!Enum.IsDefined(key.Role))
            {
                failures.Add($"Conciergus:Api:Keys:{i}:Role must be Viewer, Operator or Admin.");
            }
        }

        if (options.IngestionRequestsPerMinute < 0)
        {
            failures.Add("Conciergus:Api:IngestionRequestsPerMinute must be 0 (off) or a positive number of requests per minute.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
