using System.Security.Claims;
using Conciergus.Core.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Security;

/// <summary>Registers and wires sign-in, API keys, role enforcement and hardening (DESIGN.md section 10).</summary>
public static class SecurityServiceCollectionExtensions
{
    /// <summary>Name of the scheme that picks API key or cookie (or OpenID Connect) per request.</summary>
    public const string SelectorScheme = "Conciergus";

    /// <summary>
    /// Binds "Conciergus:Auth" and "Conciergus:Api" (validated at start); adds local users, API keys, the cookie,
    /// ApiKey and (when configured) OpenID Connect schemes, the role policies with the central endpoint rule as
    /// default and fallback policy, rate limits and the initial admin. Needs storage.
    /// </summary>
    public static IServiceCollection AddConciergusSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>());
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ForwardedHeadersSettings>().Bind(configuration.GetSection(ForwardedHeadersSettings.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ForwardedHeadersSettings>, ForwardedHeadersSettingsValidator>());
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((o, settings) => settings.Value.ApplyTo(o));
        services.AddExceptionHandler<BadRequestExceptionHandler>();

        services.TryAddSingleton<UserStore>();
        services.TryAddSingleton<ApiKeyStore>();
        services.TryAddSingleton<SecurityAudit>();
        services.TryAddSingleton<LocalSignIn>();
        services.TryAddSingleton<UserAdministration>();
        services.TryAddSingleton<InitialAdmin>();
        services.AddHostedService(sp => sp.GetRequiredService<InitialAdmin>());

        var oidc = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>()?.OpenIdConnect ?? new OidcSettings();
        var authentication = services
            .AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, "API key, or the sign-in cookie", o =>
            {
                o.ForwardDefaultSelector = SelectScheme;
                o.ForwardChallenge = oidc.Enabled ? OpenIdConnectDefaults.AuthenticationScheme : CookieAuthenticationDefaults.AuthenticationScheme;
                o.ForwardForbid = CookieAuthenticationDefaults.AuthenticationScheme;
                o.ForwardSignIn = CookieAuthenticationDefaults.AuthenticationScheme;
                o.ForwardSignOut = CookieAuthenticationDefaults.AuthenticationScheme;
            })
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.Cookie.Name = ".Conciergus.Auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/login";
                o.LogoutPath = AuthEndpoints.LogoutPath;
                o.AccessDeniedPath = "/access-denied";
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = LocalSignIn.ValidatePrincipalAsync;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, _ => { });
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((o, auth) => o.ExpireTimeSpan = auth.Value.SessionIdleTimeout);

        if (oidc.Enabled)
        {
            authentication.AddOpenIdConnect(OpenIdConnectDefaults.AuthenticationScheme, o => ConfigureOpenIdConnect(o, oidc));
        }

        var endpointRule = new AuthorizationPolicyBuilder().AddRequirements(new EndpointRoleRequirement()).Build();
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(endpointRule)
            .SetFallbackPolicy(endpointRule)
            .AddPolicy(ConciergusPolicies.Viewer, p => p.AddRequirements(new MinimumRoleRequirement(ConciergusRole.Viewer)))
            .AddPolicy(ConciergusPolicies.Operator, p => p.AddRequirements(new MinimumRoleRequirement(ConciergusRole.Operator)))
            .AddPolicy(ConciergusPolicies.Admin, p => p.AddRequirements(new MinimumRoleRequirement(ConciergusRole.Admin)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, ConciergusRoleHandler>());
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ApiAwareAuthorizationResultHandler>();
        services.AddCascadingAuthenticationState();

        // Open pages re-check their user against the store (replaces the framework's ServerAuthenticationStateProvider).
        services.AddScoped<AuthenticationStateProvider, ConciergusAuthenticationStateProvider>();

        // The cookie and antiforgery keys live in the data directory, so sign-ins survive a restart.
        services.AddDataProtection().SetApplicationName("Conciergus.Dashboard");
        services.AddOptions<KeyManagementOptions>().Configure<DataDirectory, ILoggerFactory>((o, directory, loggers) =>
            o.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(Path.Combine(directory.FullPath, "keys")), loggers));

        services.AddRateLimiter(RateLimits.Configure);
        services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        return services;
    }

    /// <summary>
    /// Forwarded headers from configured proxies, security headers, HTTPS redirection and HSTS (outside Development),
    /// rate limits, authentication and authorization, then maps /auth/*. Call before UseAntiforgery.
    /// </summary>
    public static WebApplication UseConciergusSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // First: every later step (HSTS, Secure cookies, rate limits, lockout, audit source IPs) sees the client's
        // scheme and address, taken only from the proxies named in Conciergus:ForwardedHeaders.
        if (app.Services.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value.Enabled)
        {
            app.UseForwardedHeaders();
        }

        app.UseMiddleware<SecurityHeadersMiddleware>();
        if (!app.Environment.IsDevelopment())
        {
            // HSTS is only ever sent over HTTPS. Redirection needs an HTTPS endpoint to send browsers to: without one
            // (plain HTTP behind a TLS-terminating proxy, the tests) it would only log a warning per request.
            app.UseHsts();
            if (HasHttpsEndpoint(app.Configuration))
            {
                app.UseHttpsRedirection();
            }
        }

        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapAuthEndpoints();
        return app;
    }

    private static bool HasHttpsEndpoint(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration["https_port"] ?? configuration["HTTPS_PORTS"])
        || (configuration["urls"] ?? "").Contains("https://", StringComparison.OrdinalIgnoreCase)
        || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any(e => (e["Url"] ?? "").StartsWith("https://", StringComparison.OrdinalIgnoreCase));

    // API writes never use the cookie (no cross-site request can act with a user's session); reads may, for downloads.
    private static string SelectScheme(HttpContext context)
    {
        if (ApiKeyAuthenticationHandler.HasKey(context.Request))
        {
            return ApiKeyAuthenticationHandler.SchemeName;
        }

        // The few API endpoints a browser posts a form to (audited exports) check antiforgery for cookie callers.
        if (context.Request.HasFormContentType && context.GetEndpoint()?.Metadata.GetMetadata<BrowserFormPostMetadata>() is not null)
        {
            return CookieAuthenticationDefaults.AuthenticationScheme;
        }

        var method = context.Request.Method;
        return ApiPaths.IsApi(context) && !context.Request.Path.StartsWithSegments("/auth") && !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method)
            ? ApiKeyAuthenticationHandler.SchemeName
            : CookieAuthenticationDefaults.AuthenticationScheme;
    }

    private static void ConfigureOpenIdConnect(OpenIdConnectOptions o, OidcSettings settings)
    {
        o.Authority = settings.Authority;
        o.ClientId = settings.ClientId;
        o.ClientSecret = settings.ClientSecret;
        o.ResponseType = "code";
        o.UsePkce = true;
        o.SaveTokens = false;
        o.MapInboundClaims = false;
        o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
        o.CallbackPath = "/auth/oidc/callback";
        o.SignedOutCallbackPath = "/auth/oidc/signed-out";
        o.Scope.Clear();
        o.Scope.Add("openid");
        foreach (var scope in settings.Scopes.Where(s => !string.IsNullOrWhiteSpace(s)))
        {
            o.Scope.Add(scope);
        }

        o.TokenValidationParameters.NameClaimType = "name";
        o.TokenValidationParameters.RoleClaimType = ClaimTypes.Role;
        o.Events.OnTokenValidated = async context =>
        {
            // Map the provider's role claim onto ours; a user with none of Viewer/Operator/Admin signs in without access.
            if (context.Principal?.Identity is ClaimsIdentity identity)
            {
                var roles = identity.FindAll(settings.RoleClaim).Select(c => c.Value).ToList();
                foreach (var value in roles)
                {
                    if (ConciergusClaims.TryParseRole(value, out var role))
                    {
                        identity.AddClaim(new Claim(ClaimTypes.Role, role.ToString()));
                    }
                }

                var name = identity.Name ?? identity.FindFirst("preferred_username")?.Value ?? identity.FindFirst("sub")?.Value ?? SecurityAudit.UnknownActor;
                var audit = context.HttpContext.RequestServices.GetRequiredService<SecurityAudit>();
                await audit.AppendAsync(name, context.Principal.GetConciergusRole()?.ToString() ?? "None", "auth.login", name,
                    new Dictionary<string, string> { ["method"] = "oidc" }, context.HttpContext, context.HttpContext.RequestAborted).ConfigureAwait(false);
            }
        };
    }
}
