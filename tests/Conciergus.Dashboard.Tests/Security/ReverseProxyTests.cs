using System.Net;
using Conciergus.Core.Audit;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>
/// Issue 15 items 8 and 10 over a real socket from 127.0.0.1, the "proxy": forwarded headers are applied only from
/// the proxies named in Conciergus:ForwardedHeaders, so cookies are Secure and HSTS is sent when the client used
/// HTTPS, and the sign-in rate limit, the lockout and the audit trail see each client's own address.
/// </summary>
public sealed class ReverseProxyTests : IAsyncLifetime
{
    private const string Attacker = "203.0.113.9";
    private const string Owner = "198.51.100.7";

    private readonly ConciergusAppFactory _behindProxy = new(new() { ["Conciergus:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1", ["Conciergus:Auth:LoginRequestsPerMinute"] = "10" });
    private readonly ConciergusAppFactory _direct = new();
    private Uri _proxied = null!;
    private Uri _plain = null!;

    public Task InitializeAsync()
    {
        _proxied = _behindProxy.StartKestrel();
        _plain = _direct.StartKestrel();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _behindProxy.DisposeAsync();
        await _direct.DisposeAsync();
    }

    [Fact]
    public async Task SignIn_ProxySaysHttps_CookieIsSecureAndHstsIsSent()
    {
        using var client = RawHttp.Client(_proxied);

        using var https = await RawHttp.SignInAsync(client, "admin", ConciergusAppFactory.AdminPassword, Owner, "https", "dashboard.example.com");
        using var http = await RawHttp.SignInAsync(client, "admin", ConciergusAppFactory.AdminPassword, Owner, "http", "dashboard.example.com");

        Assert.Equal(HttpStatusCode.Redirect, https.StatusCode);
        Assert.Equal("/", https.Headers.Location?.OriginalString);
        var secureCookie = Assert.Single(RawHttp.SetCookies(https), c => c.StartsWith(".Conciergus.Auth=", StringComparison.Ordinal));
        Assert.Contains("; secure", secureCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("max-age=", string.Join(",", https.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);

        // The same proxy forwarding a plain-HTTP client: no Secure flag (the browser would drop it), no HSTS.
        var plainCookie = Assert.Single(RawHttp.SetCookies(http), c => c.StartsWith(".Conciergus.Auth=", StringComparison.Ordinal));
        Assert.DoesNotContain("; secure", plainCookie, StringComparison.OrdinalIgnoreCase);
        Assert.False(http.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task SignIn_NoProxyConfigured_ForwardedHeadersAreIgnored()
    {
        using var client = RawHttp.Client(_plain);

        using var response = await RawHttp.SignInAsync(client, "admin", ConciergusAppFactory.AdminPassword, Attacker, "https", "dashboard.example.com");

        // Anyone may send these headers: without a named proxy they neither make the cookie Secure nor forge the audit's address.
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = Assert.Single(RawHttp.SetCookies(response), c => c.StartsWith(".Conciergus.Auth=", StringComparison.Ordinal));
        Assert.DoesNotContain("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        var login = _direct.Services.GetRequiredService<AuditLog>().ReadAfter(0, 1000).Last(e => e.Action == "auth.login");
        Assert.Equal("127.0.0.1", login.SourceIp);
    }

    [Fact]
    public async Task SignIn_AttackerFailsBehindTheProxy_OwnerStillSignsInAndAuditSeesEachClient()
    {
        using var client = RawHttp.Client(_proxied);

        // Act: five wrong passwords lock the admin account, for the attacker's address only.
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await RawHttp.SignInAsync(client, "admin", "wrong-password-" + i, Attacker);
            Assert.StartsWith("/login?error=1", wrong.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        using var attackerRight = await RawHttp.SignInAsync(client, "admin", ConciergusAppFactory.AdminPassword, Attacker);

        // ...and flooding the form hits the attacker's own rate limit (10 per minute per client).
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var more = await RawHttp.SignInAsync(client, "admin", "wrong-again-" + i, Attacker);
            statuses.Add(more.StatusCode);
        }

        using var owner = await RawHttp.SignInAsync(client, "admin", ConciergusAppFactory.AdminPassword, Owner);

        // Assert: the attacker is locked out and limited; the owner, from elsewhere, is neither.
        Assert.StartsWith("/login?error=1", attackerRight.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.Redirect, owner.StatusCode);
        Assert.Equal("/", owner.Headers.Location?.OriginalString);
        var entries = _behindProxy.Services.GetRequiredService<AuditLog>().ReadAfter(0, 1000);
        Assert.Equal(Attacker, Assert.Single(entries, e => e.Action == "auth.lockout").SourceIp);
        Assert.All(entries.Where(e => e.Action == "auth.login_failed"), e => Assert.Equal(Attacker, e.SourceIp));
        Assert.Equal(Owner, Assert.Single(entries, e => e.Action == "auth.login").SourceIp);
    }
}
