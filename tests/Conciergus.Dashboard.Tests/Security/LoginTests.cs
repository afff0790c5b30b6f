using System.Net;
using System.Text.RegularExpressions;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Security;

public sealed partial class LoginTests : IDisposable
{
    private readonly RecordingAuditLog _audit = new();
    private readonly ConciergusAppFactory _factory;

    public LoginTests() => _factory = new ConciergusAppFactory(configureServices: RecordingAuditLog.Into(_audit));

    public void Dispose() => _factory.Dispose();

    private HttpClient NewClient() => _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    [Fact]
    public async Task Login_RightPassword_RedirectsToReturnUrlAndPagesOpen()
    {
        using var client = NewClient();

        var response = await ConciergusAppFactory.SignInAsync(client, "admin", ConciergusAppFactory.AdminPassword, "/admin");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/admin", response.Headers.Location!.OriginalString);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".Conciergus.Auth=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        var login = Assert.Single(_audit.Events, e => e.Action == "auth.login");
        Assert.Equal("admin", login.Actor);
        Assert.Equal("Admin", login.Role);
    }

    [Theory]
    [InlineData("//evil.example/phish")]
    [InlineData("/\\evil.example")]
    [InlineData("https://evil.example/")]
    public async Task Login_ExternalReturnUrl_RedirectsToRoot(string returnUrl)
    {
        using var client = NewClient();

        var response = await ConciergusAppFactory.SignInAsync(client, "admin", ConciergusAppFactory.AdminPassword, returnUrl);

        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Login_WrongPasswordOrUnknownUser_SameGenericAnswer()
    {
        using var client = NewClient();

        var wrongPassword = await ConciergusAppFactory.SignInAsync(client, "admin", "not-the-password-123");
        var unknownUser = await ConciergusAppFactory.SignInAsync(client, "nobody@example.com", "not-the-password-123");

        Assert.Equal(wrongPassword.Headers.Location, unknownUser.Headers.Location);
        Assert.StartsWith("/login?error=1", wrongPassword.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var page = await client.GetStringAsync(wrongPassword.Headers.Location);
        Assert.Contains("The user name or password is not correct, or the account is locked.", page, StringComparison.Ordinal);
        Assert.DoesNotContain(_audit.Events, e => e.Action == "auth.login");

        // The typed name of a non-account is never recorded (it may be an e-mail address or a password typed in the wrong box).
        var failed = _audit.Events.Where(e => e.Action == "auth.login_failed").ToList();
        Assert.Equal(["admin", SecurityAudit.UnknownActor], failed.Select(e => e.Actor));
        Assert.DoesNotContain(_audit.Events, e => (e.Target ?? "").Contains("nobody", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Login_FiveFailures_LocksFor15MinutesThenRightPasswordWorks()
    {
        using var client = NewClient();
        for (var i = 0; i < 5; i++)
        {
            await ConciergusAppFactory.SignInAsync(client, "admin", $"wrong-password-{i:D4}");
        }

        // Locked: even the right password fails, with the same answer.
        var locked = await ConciergusAppFactory.SignInAsync(client, "admin", ConciergusAppFactory.AdminPassword);
        Assert.StartsWith("/login?error=1", locked.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Single(_audit.Events, e => e.Action == "auth.lockout" && e.Actor == "admin");

        _factory.Time.Advance(TimeSpan.FromMinutes(14));
        var stillLocked = await ConciergusAppFactory.SignInAsync(client, "admin", ConciergusAppFactory.AdminPassword);
        Assert.StartsWith("/login?error=1", stillLocked.Headers.Location!.OriginalString, StringComparison.Ordinal);

        _factory.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var unlocked = await ConciergusAppFactory.SignInAsync(client, "admin", ConciergusAppFactory.AdminPassword);
        Assert.Equal("/", unlocked.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Logout_SignedIn_ClearsSessionAndIsAudited()
    {
        using var client = await _factory.CreateSignedInClientAsync(ConciergusRole.Viewer);
        var page = await client.GetStringAsync("/");
        var token = WebUtility.HtmlDecode(AntiforgeryField().Match(page).Groups[1].Value);
        Assert.False(string.IsNullOrEmpty(token)); // the user menu renders the sign-out form

        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token });
        var response = await client.PostAsync("/auth/logout", form);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login?signedOut=1", response.Headers.Location!.OriginalString);
        var after = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        var logout = Assert.Single(_audit.Events, e => e.Action == "auth.logout");
        Assert.Equal("viewer-user", logout.Actor);
    }

    [Fact]
    public async Task Login_WithoutAntiforgeryToken_IsRejected()
    {
        using var client = NewClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["UserName"] = "admin", ["Password"] = ConciergusAppFactory.AdminPassword });

        var response = await client.PostAsync("/auth/login", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(_audit.Events, e => e.Action == "auth.login");
    }

    [Fact]
    public async Task Session_RoleChangedByAdmin_OldCookieNoLongerWorks()
    {
        using var client = await _factory.CreateSignedInClientAsync(ConciergusRole.Operator);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);

        _factory.Time.Advance(TimeSpan.FromSeconds(1));
        _factory.Services.GetRequiredService<UserStore>().SetRole("operator-user", ConciergusRole.Viewer);

        var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_Flood_Returns429WithRetryAfter()
    {
        using var factory = new ConciergusAppFactory(new() { ["Conciergus:Auth:LoginRequestsPerMinute"] = "3" });
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 5; i++)
        {
            last = await ConciergusAppFactory.SignInAsync(client, "admin", $"wrong-password-{i:D4}");
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Redirect, HttpStatusCode.Redirect, HttpStatusCode.Redirect, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        var retryAfter = int.Parse(last!.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal("application/problem+json", last.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Ingestion_Flood_Returns429WithRetryAfter()
    {
        using var factory = new ConciergusAppFactory(new() { ["Conciergus:Api:IngestionRequestsPerMinute"] = "2" });
        using var client = factory.CreateIngestionClient();
        var body = new object[] { new { model = "gpt-4o", durationMs = 1 } };

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 3; i++)
        {
            last = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(client, "/api/v1/operations", body);
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(last!.Headers.Contains("Retry-After"));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
