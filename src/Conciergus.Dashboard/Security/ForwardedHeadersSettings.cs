using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Security;

/// <summary>
/// Running behind a reverse proxy (section "Conciergus:ForwardedHeaders"). With at least one known proxy or network,
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> from those addresses (and only those) are applied: the client's
/// address then drives the sign-in rate limit, the per-source lockout and the audit trail's source IP, and a request
/// that reached the proxy over HTTPS gets <c>Secure</c> cookies and HSTS. Without it the headers are ignored (anyone
/// could send them).
/// </summary>
public sealed class ForwardedHeadersSettings
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Conciergus:ForwardedHeaders";

    /// <summary>Addresses of the proxies whose forwarded headers are trusted, e.g. "10.0.0.5" or "::1".</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR notation, e.g. "10.0.0.0/8".</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row to unwrap (entries of X-Forwarded-For read from the right).</summary>
    public int ForwardLimit { get; set; } = 1;

    /// <summary>Whether forwarded headers are applied (some proxy or network is named).</summary>
    public bool Enabled => KnownProxies.Any(p => !string.IsNullOrWhiteSpace(p)) || KnownNetworks.Any(n => !string.IsNullOrWhiteSpace(n));

    /// <summary>Sets <paramref name="options"/> to trust exactly the configured proxies (never the defaults).</summary>
    public void ApplyTo(ForwardedHeadersOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        options.ForwardLimit = ForwardLimit;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in KnownProxies.Where(p => !string.IsNullOrWhiteSpace(p)))
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy.Trim()));
        }

        foreach (var network in KnownNetworks.Where(n => !string.IsNullOrWhiteSpace(n)))
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network.Trim()));
        }
    }
}

/// <summary>Validates <see cref="ForwardedHeadersSettings"/> at start.</summary>
public sealed class ForwardedHeadersSettingsValidator : IValidateOptions<ForwardedHeadersSettings>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ForwardedHeadersSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var proxy in options.KnownProxies.Where(p => !string.IsNullOrWhiteSpace(p)))
        {
            if (!IPAddress.TryParse(proxy.Trim(), out _))
            {
                failures.Add($"{ForwardedHeadersSettings.SectionName}:KnownProxies: '{proxy}' is not an IP address (for example 10.0.0.5).");
            }
        }

        foreach (var network in options.KnownNetworks.Where(n => !string.IsNullOrWhiteSpace(n)))
        {
            if (!System.Net.IPNetwork.TryParse(network.Trim(), out _))
            {
                failures.Add($"{ForwardedHeadersSettings.SectionName}:KnownNetworks: '{network}' is not a network in CIDR notation (for example 10.0.0.0/8).");
            }
        }

        if (options.ForwardLimit < 1)
        {
            failures.Add($"{ForwardedHeadersSettings.SectionName}:ForwardLimit must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
