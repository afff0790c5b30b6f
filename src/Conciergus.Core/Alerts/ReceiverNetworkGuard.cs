using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Alerts;

/// <summary>
/// Keeps receivers from being aimed at internal addresses (server-side request forgery). By default a receiver may
/// not reach loopback, link-local (cloud metadata at 169.254.169.254), private, shared (100.64/10), multicast,
/// reserved or unspecified addresses, IPv4 or IPv6 (IPv4-mapped IPv6 is checked as the IPv4 it carries). The check runs
/// in the HTTP handler's connect step against the addresses the host name resolves to, and the connection is made to
/// the checked address itself, so neither a host name that resolves inward, nor an integer host (2130706433), nor a
/// DNS answer that changes between check and connect gets through. <c>Conciergus:Alerts:AllowedReceiverNetworks</c>
/// (CIDR list) lets an Admin open ranges, for an on-premise Alertmanager.
/// </summary>
public sealed partial class ReceiverNetworkGuard
{
    private static readonly IPNetwork[] Blocked =
    [
        IPNetwork.Parse("0.0.0.0/8"),        // "this network", unspecified
        IPNetwork.Parse("10.0.0.0/8"),       // private
        IPNetwork.Parse("100.64.0.0/10"),    // shared address space (carrier NAT)
        IPNetwork.Parse("127.0.0.0/8"),      // loopback
        IPNetwork.Parse("169.254.0.0/16"),   // link-local, cloud metadata
        IPNetwork.Parse("172.16.0.0/12"),    // private
        IPNetwork.Parse("192.0.0.0/24"),     // IETF protocol assignments
        IPNetwork.Parse("192.168.0.0/16"),   // private
        IPNetwork.Parse("198.18.0.0/15"),    // benchmarking
        IPNetwork.Parse("224.0.0.0/4"),      // multicast
        IPNetwork.Parse("240.0.0.0/4"),      // reserved, broadcast
        IPNetwork.Parse("::/96"),            // unspecified, loopback, IPv4-compatible (deprecated)
        IPNetwork.Parse("64:ff9b::/96"),     // NAT64: would reach any IPv4 address
        IPNetwork.Parse("fc00::/7"),         // unique local (private)
        IPNetwork.Parse("fe80::/10"),        // link-local
        IPNetwork.Parse("fec0::/10"),        // site-local (deprecated)
        IPNetwork.Parse("ff00::/8"),         // multicast
    ];

    private readonly IReadOnlyList<IPNetwork> _allowed;
    private readonly ILogger _logger;

    /// <summary>A guard with the allowed networks of <paramref name="options"/>.</summary>
    public ReceiverNetworkGuard(IOptions<AlertsOptions> options, ILogger<ReceiverNetworkGuard>? logger = null)
        : this(options?.Value.AllowedReceiverNetworks ?? [], logger)
    {
    }

    /// <summary>A guard that allows <paramref name="allowedNetworks"/> (CIDR) on top of the public internet.</summary>
    public ReceiverNetworkGuard(IEnumerable<string> allowedNetworks, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(allowedNetworks);
        _allowed = [.. allowedNetworks.Select(n => TryParseNetwork(n, out var network) ? network : throw new ArgumentException($"'{n}' is not a CIDR network such as 10.0.0.0/8."))];
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Parses "10.1.0.0/16", "::1/128" or a single address ("10.1.2.3" as /32).</summary>
    public static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (IPNetwork.TryParse(text, out network))
        {
            return true;
        }

        if (IPAddress.TryParse(text, out var single))
        {
            network = new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    /// <summary>Whether a connection to <paramref name="address"/> is allowed.</summary>
    public bool IsAllowed(IPAddress address) => Refusal(address) is null;

    /// <summary>Why <paramref name="address"/> is refused ("loopback", "private", ...), or null when it is allowed.</summary>
    public string? Refusal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var checkedAddress = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var allowed in _allowed)
        {
            if (allowed.BaseAddress.AddressFamily == checkedAddress.AddressFamily && allowed.Contains(checkedAddress))
            {
                return null;
            }
        }

        foreach (var blocked in Blocked)
        {
            if (blocked.BaseAddress.AddressFamily == checkedAddress.AddressFamily && blocked.Contains(checkedAddress))
            {
                return Describe(checkedAddress);
            }
        }

        return null;
    }

    /// <summary>
    /// For a URL whose host is an IP literal (any form <see cref="Uri"/> accepts, integer hosts included): why it is
    /// refused, or null. Host names are checked when they are resolved, at delivery.
    /// </summary>
    public string? RefusalOfLiteral(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
        && IPAddress.TryParse(uri.DnsSafeHost, out var literal)
            ? Refusal(literal)
            : null;

    /// <summary>
    /// <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves the host, keeps only allowed addresses and connects to
    /// one of them; refuses (<see cref="ReceiverAddressRefusedException"/>) when none is allowed.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var allowed = addresses.Where(IsAllowed).ToArray();
        if (allowed.Length == 0)
        {
            var reasons = string.Join(", ", addresses.Select(a => Refusal(a) ?? "allowed").Distinct(StringComparer.Ordinal));
            LogRefused(_logger, host, reasons);
            throw ReceiverAddressRefusedException.For(host, reasons);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The primary handler every receiver client uses: the guard's connect step, no redirects, no proxy, no cookies.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        ConnectCallback = ConnectAsync,
        AllowAutoRedirect = false, // a redirect could lead anywhere (another port, an internal host): not followed
        UseProxy = false,          // the guard checks the address it connects to; through a proxy that would be the proxy
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };

    private static string Describe(IPAddress a)
    {
        if (IPAddress.IsLoopback(a))
        {
            return "loopback";
        }

        var bytes = a.GetAddressBytes();
        if (a.AddressFamily == AddressFamily.InterNetwork)
        {
            return bytes[0] switch
            {
                0 => "unspecified",
                169 when bytes[1] == 254 => "link-local",
                >= 224 and < 240 => "multicast",
                >= 240 => "reserved",
                _ => "private",
            };
        }

        return a.Equals(IPAddress.IPv6Any) ? "unspecified"
            : a.IsIPv6LinkLocal ? "link-local"
            : a.IsIPv6Multicast ? "multicast"
            : "private";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiver host {Host} refused: it resolves only to addresses outside the allowed networks ({Reasons}); allow a range with Conciergus:Alerts:AllowedReceiverNetworks")]
    private static partial void LogRefused(ILogger logger, string host, string reasons);
}

/// <summary>A receiver's host resolved only to addresses the <see cref="ReceiverNetworkGuard"/> refuses.</summary>
public sealed class ReceiverAddressRefusedException : HttpRequestException
{
    /// <summary>Creates the exception.</summary>
    public ReceiverAddressRefusedException()
        : base("The receiver's address is not allowed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ReceiverAddressRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ReceiverAddressRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The exception for a host and the kinds of address it resolved to.</summary>
    public static ReceiverAddressRefusedException For(string host, string reasons) =>
        new($"{host} resolves to a {reasons} address, which receivers may not reach.");
}

/// <summary>Receiver URLs carry their credential in the path or query: outside the Admin's view only scheme and host are shown.</summary>
public static partial class ReceiverUrls
{
    /// <summary>"https://hooks.slack.com" for "https://hooks.slack.com/services/T/B/secret"; "mailto:…@x.org" for mail; "(hidden)" otherwise.</summary>
    public static string SchemeAndHost(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
        {
            return "(hidden)";
        }

        if (uri.Scheme == Uri.UriSchemeMailto)
        {
            return uri.Host.Length > 0 ? "mailto:…@" + uri.Host : "mailto:";
        }

        return uri.Host.Length > 0 ? uri.Scheme + "://" + uri.Host : uri.Scheme + ":";
    }

    /// <summary>Text with every URL in it cut to scheme and host (delivery errors, log lines).</summary>
    public static string Scrub(string? text, string? receiverUrl = null)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        if (!string.IsNullOrWhiteSpace(receiverUrl))
        {
            text = text.Replace(receiverUrl, SchemeAndHost(receiverUrl), StringComparison.OrdinalIgnoreCase);
        }

        return UrlPattern().Replace(text, m => SchemeAndHost(m.Value));
    }

    [GeneratedRegex(@"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'""<>]+", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex UrlPattern();
}

/// <summary>Wires receiver HTTP clients to the guard.</summary>
public static class ReceiverHttpClientBuilderExtensions
{
    /// <summary>
    /// The client's primary handler connects only through the <see cref="ReceiverNetworkGuard"/>, follows no redirect,
    /// and the client logs nothing (IHttpClientFactory's request logs would carry the full URL, which is a secret).
    /// </summary>
    public static IHttpClientBuilder AddReceiverGuard(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(sp => new ReceiverNetworkGuard(sp.GetRequiredService<IOptions<AlertsOptions>>(), sp.GetService<ILogger<ReceiverNetworkGuard>>()));
        return builder
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<ReceiverNetworkGuard>().CreateHandler())
            .RemoveAllLoggers();
    }
}
