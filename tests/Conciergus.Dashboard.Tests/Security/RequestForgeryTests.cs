using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conciergus.Core.Audit;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>
/// Issue 15 item 9: nothing that changes state answers a GET that carries the sign-in cookie (a link on another site
/// makes the browser send it), sign-out checks antiforgery, and an assignment lookup stores nothing.
/// </summary>
public sealed class RequestForgeryTests : IDisposable
{
    private readonly ConciergusAppFactory _factory = new();

    [Fact]
    public async Task Logout_WithoutAntiforgeryToken_Is400AndTheSessionLives()
    {
        using var browser = await _factory.CreateSignedInClientAsync(ConciergusRole.Admin);

        // Attack: another site's form posts to /auth/logout with the victim's cookie, but without our token.
        using var forged = await browser.PostAsync("/auth/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        using var stillIn = await browser.GetAsync("/api/v1/summary?window=5m");

        // The dashboard's own form (token from a page) signs out.
        var token = RawHttp.AntiforgeryToken(await browser.GetStringAsync("/login"));
        using var real = await browser.PostAsync("/auth/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        using var after = await browser.GetAsync("/api/v1/summary?window=5m");

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, real.StatusCode);
        Assert.Equal("/login?signedOut=1", real.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task AuditExport_CookieGetOrTokenlessPost_IsRefusedAndAuditsNothing()
    {
        using var browser = await _factory.CreateSignedInClientAsync(ConciergusRole.Admin);
        var log = _factory.Services.GetRequiredService<AuditLog>();
        var before = log.ReadAfter(0, 10_000).Count(e => e.Action == AuditEndpointsExportAction);

        // Attack: a top-level link (GET) and a cross-site form (POST without our token), both with the cookie.
        using var get = await browser.GetAsync("/api/v1/audit/export?format=jsonl");
        using var post = await browser.PostAsync("/api/v1/audit/export?format=jsonl", new FormUrlEncodedContent(new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal("POST", get.Content.Headers.Allow.Single());
        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.Equal(before, log.ReadAfter(0, 10_000).Count(e => e.Action == AuditEndpointsExportAction));
    }

    [Fact]
    public async Task AuditExport_PageFormPostOrApiKeyGet_ExportsAndAudits()
    {
        using var browser = await _factory.CreateSignedInClientAsync(ConciergusRole.Admin);
        var token = RawHttp.AntiforgeryToken(await browser.GetStringAsync("/login"));
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        // The Audit page's button (a form POST with the token) and automation with an API key (never sent by a browser on its own).
        using var form = await browser.PostAsync("/api/v1/audit/export?format=jsonl", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        var formBody = await form.Content.ReadAsStringAsync();
        using var api = await admin.GetAsync("/api/v1/audit/export?format=csv");

        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Contains("\"action\":\"audit.export\"", formBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal(2, _factory.Services.GetRequiredService<AuditLog>().ReadAfter(0, 10_000).Count(e => e.Action == AuditEndpointsExportAction));
    }

    [Fact]
    public async Task SubjectExport_GetChangesNoRequest_PostCompletesIt()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);
        using var browser = await _factory.CreateSignedInClientAsync(ConciergusRole.Admin);
        using var received = await admin.PostAsJsonAsync("/api/v1/compliance/requests", new { kind = "export", userId = "alice" });
        Assert.Equal(HttpStatusCode.Created, received.StatusCode);

        // Attack: a link to the export with the admin's cookie. Then automation's GET with an API key: read-only.
        using var cookieGet = await browser.GetAsync("/api/v1/subjects/alice/export");
        using var apiGet = await admin.GetAsync("/api/v1/subjects/alice/export");
        var afterGets = await RequestStatusAsync(admin);
        using var post = await admin.PostAsync("/api/v1/subjects/alice/export", null);
        var afterPost = await RequestStatusAsync(admin);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, cookieGet.StatusCode);
        Assert.Equal(HttpStatusCode.OK, apiGet.StatusCode);
        Assert.NotEqual("fulfilled", afterGets);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal("fulfilled", afterPost);
    }

    [Fact]
    public async Task Assignment_GetLooksUpWithoutStoring_PostWithIngestionKeyAssigns()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);
        using var created = await admin.PostAsync("/api/v1/experiments", new StringContent(
            """{"key": "tone", "name": "Tone", "type": "prompt", "coverage": 1, "variants": [{"key": "control", "weight": 0.5}, {"key": "friendly", "weight": 0.5, "overrides": {"systemPrompt": "Be warm."}}]}""",
            Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        (await admin.PostAsync("/api/v1/experiments/tone/start", null)).EnsureSuccessStatusCode();
        using var browser = await _factory.CreateSignedInClientAsync(ConciergusRole.Viewer);

        // Attack: the victim's cookie on a top-level GET for an arbitrary user id.
        using var lookup = await browser.GetAsync("/api/v1/experiments/tone/assignment?userId=victim-1");
        var storedAfterLookup = await StoredAssignmentsAsync(admin, "victim-1");

        // Assigning needs POST with the ingestion key; a user's API key or cookie is not enough.
        using var viewerPost = await admin.PostAsync("/api/v1/experiments/tone/assignment?userId=victim-1", null);
        using var ingestion = _factory.CreateClient();
        ingestion.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);
        using var assign = await ingestion.PostAsync("/api/v1/experiments/tone/assignment?userId=victim-1", null);
        var storedAfterAssign = await StoredAssignmentsAsync(admin, "victim-1");

        Assert.Equal(HttpStatusCode.OK, lookup.StatusCode);
        Assert.True((await lookup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("inExperiment").GetBoolean());
        Assert.Equal(0, storedAfterLookup);
        Assert.Equal(HttpStatusCode.Unauthorized, viewerPost.StatusCode);
        Assert.Equal(HttpStatusCode.OK, assign.StatusCode);
        Assert.Equal(1, storedAfterAssign);
    }

    public void Dispose() => _factory.Dispose();

    private const string AuditEndpointsExportAction = Conciergus.Dashboard.Endpoints.AuditEndpoints.ExportAction;

    private static async Task<string?> RequestStatusAsync(HttpClient admin)
    {
        var requests = await admin.GetFromJsonAsync<JsonElement>("/api/v1/compliance/requests");
        return requests.GetProperty("requests").EnumerateArray().Single().GetProperty("status").GetString();
    }

    // The experiments store's part of the subject export (a read-only GET with the API key) lists stored assignments.
    private static async Task<int> StoredAssignmentsAsync(HttpClient admin, string userId)
    {
        var export = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/subjects/{userId}/export");
        var experiments = export.GetProperty("stores").GetProperty("experiments");
        return experiments.ValueKind switch
        {
            JsonValueKind.Null => 0, // nothing held about the user
            JsonValueKind.Object when experiments.TryGetProperty("assignments", out var a) && a.ValueKind == JsonValueKind.Array => a.GetArrayLength(),
            _ => throw new InvalidOperationException("unexpected experiments export: " + experiments),
        };
    }
}
