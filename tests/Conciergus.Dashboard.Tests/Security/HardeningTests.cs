using System.Net;
using System.Text.RegularExpressions;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Security;

public sealed partial class HardeningTests : IDisposable
{
    private readonly ConciergusAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Theory]
    [InlineData("/login")]
    [InlineData("/")]
    [InlineData("/api/v1/summary")]
    public async Task Response_AnyPath_CarriesSecurityHeaders(string path)
    {
        using var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync(path);

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.DoesNotMatch("script-src[^;]*unsafe-inline", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task LoginPage_ImportMap_CarriesTheNonceTheCspAllows()
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync("/login");
        var html = await response.Content.ReadAsStringAsync();

        var nonce = ScriptNonce().Match(response.Headers.GetValues("Content-Security-Policy").Single()).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(nonce));
        Assert.Contains($"<script type=\"importmap\" nonce=\"{nonce}\"", html, StringComparison.Ordinal);

        // Every other script is an external file from this origin (allowed by 'self'), never inline.
        foreach (Match script in Regex.Matches(html, "<script(?![^>]*importmap)([^>]*)>"))
        {
            Assert.Contains("src=", script.Groups[1].Value, StringComparison.Ordinal);
        }

        // Two requests, two nonces.
        var again = await client.GetAsync("/login");
        Assert.NotEqual(nonce, ScriptNonce().Match(again.Headers.GetValues("Content-Security-Policy").Single()).Groups[1].Value);
    }

    [Fact]
    public async Task Login_OversizeForm_IsRefused()
    {
        using var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await ConciergusAppFactory.SignInAsync(client, "admin", new string('x', 40_000));

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, $"{(int)response.StatusCode}");
    }

    [Fact]
    public async Task Testing_OverHttp_NoHttpsRedirect()
    {
        using var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OpenIdConnect_Configured_SchemeRegisteredAndLoginOffersSso()
    {
        using var factory = new ConciergusAppFactory(new()
        {
            ["Conciergus:Auth:OpenIdConnect:Authority"] = "https://idp.example.test/realms/ops",
            ["Conciergus:Auth:OpenIdConnect:ClientId"] = "conciergus",
            ["Conciergus:Auth:OpenIdConnect:ClientSecret"] = "secret",
            ["Conciergus:Auth:OpenIdConnect:RoleClaim"] = "groups",
        });
        using var client = factory.CreateClient();

        var schemes = factory.Services.GetRequiredService<IAuthenticationSchemeProvider>();
        Assert.NotNull(await schemes.GetSchemeAsync(OpenIdConnectDefaults.AuthenticationScheme));
        Assert.Equal(OpenIdConnectDefaults.AuthenticationScheme, (await schemes.GetDefaultChallengeSchemeAsync())?.Name is { } name ? ChallengeTarget(factory, name) : null);
        var page = await client.GetStringAsync("/login");
        Assert.Contains("data-testid=\"login-sso\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"login-form\"", page, StringComparison.Ordinal);
        Assert.Null(factory.Services.GetRequiredService<UserStore>().Find("admin")); // no local admin with OIDC
    }

    [Fact]
    public async Task OpenIdConnect_NotConfigured_SchemeAbsent()
    {
        using var client = _factory.CreateClient();

        var schemes = _factory.Services.GetRequiredService<IAuthenticationSchemeProvider>();

        Assert.Null(await schemes.GetSchemeAsync(OpenIdConnectDefaults.AuthenticationScheme));
    }

    // The default scheme is the selector; its challenge goes where ForwardChallenge points.
    private static string? ChallengeTarget(ConciergusAppFactory factory, string scheme) =>
        factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<PolicySchemeOptions>>().Get(scheme).ForwardChallenge;

    [GeneratedRegex("script-src 'self' 'nonce-([^']+)'")]
    private static partial Regex ScriptNonce();
}
