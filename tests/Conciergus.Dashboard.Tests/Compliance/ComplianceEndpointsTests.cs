using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;
using Conciergus.Dashboard.Endpoints;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Compliance;

public sealed class ComplianceEndpointsTests : IDisposable
{
    private readonly ConciergusAppFactory _factory = new(new Dictionary<string, string?> { ["Conciergus:Compliance:RecordAiDecisions"] = "true" });

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Consent_PostedByAnAppAndReadByAnAdmin_AuditedAndEnforced()
    {
        using var app = _factory.CreateIngestionClient();
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var posted = await app.PostAsJsonAsync("/api/v1/subjects/alice/consent", new { purposes = new { analytics = false, experimentation = true } });
        var read = await admin.GetFromJsonAsync<JsonElement>("/api/v1/subjects/alice/consent");

        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.True(read.GetProperty("stored").GetBoolean());
        Assert.False(read.GetProperty("purposes").GetProperty("analytics").GetBoolean());
        Assert.True(read.GetProperty("purposes").GetProperty("experimentation").GetBoolean());
        Assert.False(_factory.Services.GetRequiredService<IConsentLookup>().Allows("alice", ConsentPurposes.Analytics));
        var audit = _factory.Services.GetRequiredService<AuditLog>().Query(new AuditQuery { Action = ConsentStore.UpdateAction }).Entries;
        Assert.Equal("refused", Assert.Single(audit).Details!["analytics"]);
    }

    [Fact]
    public async Task Metrics_ComplianceViolations_ExposedAndBuiltInRulesListed()
    {
        using var app = _factory.CreateIngestionClient();
        using var viewer = _factory.CreateApiClient(ConciergusRole.Viewer);
        await app.PostAsJsonAsync("/api/v1/subjects/alice/consent", new { purposes = new { analytics = true, experimentation = false } });
        var ingested = await app.PostAsJsonAsync("/api/v1/operations", new object[]
        {
            new { model = "gpt-4o", provider = "openai", durationMs = 420, inputTokens = 100, outputTokens = 30, userId = "alice", experimentKey = "prompt-v2", experimentVariant = "b" },
        });
        Assert.True(ingested.IsSuccessStatusCode);

        var metrics = await viewer.GetStringAsync("/metrics");
        var rules = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/alert-rules");

        Assert.Contains("# TYPE conciergus_compliance_overdue_requests gauge", metrics, StringComparison.Ordinal);
        Assert.Contains("conciergus_compliance_overdue_requests 0", metrics, StringComparison.Ordinal);
        Assert.Contains("conciergus_compliance_chain_failures ", metrics, StringComparison.Ordinal);
        Assert.Contains("conciergus_compliance_retention_overdue_hours 0", metrics, StringComparison.Ordinal);
        Assert.Contains("conciergus_compliance_consent_missing_total 1", metrics, StringComparison.Ordinal);
        Assert.Contains("conciergus_compliance_content_captured_total 0", metrics, StringComparison.Ordinal);
        var metricsOfRules = rules.GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("metric").GetString()).ToList();
        Assert.Contains("compliance_overdue_requests", metricsOfRules);
        Assert.Contains("compliance_chain_failures", metricsOfRules);
        Assert.Contains("compliance_retention_overdue", metricsOfRules);
        Assert.Contains("compliance_consent_missing", metricsOfRules);
        Assert.Contains("compliance_content_captured", metricsOfRules);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"purposes\":{\"marketing\":true}}")]
    [InlineData("not json")]
    public async Task Consent_BadBody_Returns400(string body)
    {
        using var app = _factory.CreateIngestionClient();

        var response = await app.PostAsync("/api/v1/subjects/alice/consent", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Decisions_OperationsIngested_SearchableVerifiableExportable()
    {
        using var app = _factory.CreateIngestionClient();
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);
        var ingested = await app.PostAsJsonAsync("/api/v1/operations", new object[]
        {
            new { model = "gpt-4o", provider = "openai", durationMs = 420, inputTokens = 100, outputTokens = 30, userId = "alice", functionId = "answer" },
            new { model = "gpt-4o", provider = "openai", durationMs = 380, inputTokens = 100, outputTokens = 20, userId = "bob" },
        });
        Assert.Equal(HttpStatusCode.Accepted, ingested.StatusCode);
        await _factory.Services.GetRequiredService<DecisionLog>().WaitForDrainAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var search = await admin.GetFromJsonAsync<JsonElement>("/api/v1/decisions?userId=alice");
        var verify = await admin.GetFromJsonAsync<JsonElement>("/api/v1/decisions/verify");
        var csv = await admin.GetStringAsync("/api/v1/decisions/export?format=csv");
        var badFormat = await admin.GetAsync("/api/v1/decisions/export?format=xml");

        Assert.Equal(1, search.GetProperty("total").GetInt32());
        Assert.Equal("answer", search.GetProperty("records")[0].GetProperty("functionId").GetString());
        Assert.True(verify.GetProperty("valid").GetBoolean());
        Assert.Equal(2, verify.GetProperty("records").GetInt32());
        Assert.Equal(3, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(HttpStatusCode.BadRequest, badFormat.StatusCode);
        var exports = _factory.Services.GetRequiredService<AuditLog>().Query(new AuditQuery { Action = ComplianceEndpoints_ExportAction }).Entries;
        Assert.Single(exports);
    }

    private const string ComplianceEndpoints_ExportAction = Conciergus.Dashboard.Endpoints.ComplianceEndpoints.DecisionExportAction;

    [Fact]
    public async Task Retention_PutBelowFloor_Returns400AndPolicyUnchanged()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var refused = await admin.PutAsJsonAsync("/api/v1/compliance/retention", new { framework = "SOX", days = new { audit = 365 } });
        var accepted = await admin.PutAsJsonAsync("/api/v1/compliance/retention", new { framework = "SOX", days = new { decisions = 3000 } });
        var current = await admin.GetFromJsonAsync<JsonElement>("/api/v1/compliance/retention");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("at least 2555 days", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("SOX", current.GetProperty("framework").GetString());
        Assert.Equal(3000, current.GetProperty("days").GetProperty("decisions").GetInt32());
        Assert.Equal(2555, current.GetProperty("days").GetProperty("audit").GetInt32());
        Assert.Equal(5, current.GetProperty("presets").GetArrayLength());
    }

    [Fact]
    public async Task Purge_AsAdmin_RunsAndIsAudited()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var response = await admin.PostAsync("/api/v1/compliance/retention/purge", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sequence = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("auditSequence").GetInt64();
        var entry = _factory.Services.GetRequiredService<AuditLog>().ReadAfter(sequence - 1, 1).Single();
        Assert.Equal(ComplianceRetention.PurgeAction, entry.Action);
    }

    [Fact]
    public async Task SubjectExport_CompletesTheRequestWithTheFileDigest()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);
        var received = await admin.PostAsJsonAsync("/api/v1/compliance/requests", new { kind = "export", userId = "alice" });
        Assert.Equal(HttpStatusCode.Created, received.StatusCode);

        // POST completes the request (a GET only exports: it changes no state).
        using var exported = await admin.PostAsync("/api/v1/subjects/alice/export", null);
        var file = await exported.Content.ReadAsByteArrayAsync();
        var requests = await admin.GetFromJsonAsync<JsonElement>("/api/v1/compliance/requests");

        var request = Assert.Single(requests.GetProperty("requests").EnumerateArray());
        Assert.Equal("fulfilled", request.GetProperty("status").GetString());
        Assert.StartsWith("sha256:" + Convert.ToHexStringLower(SHA256.HashData(file)), request.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2026, 12, 27, 12, 0, 0, TimeSpan.Zero), request.GetProperty("dueAt").GetDateTimeOffset());
        Assert.False(request.GetProperty("overdue").GetBoolean());
        Assert.Contains("\"decisions\"", System.Text.Encoding.UTF8.GetString(file), StringComparison.Ordinal);
        Assert.Contains("\"consent\"", System.Text.Encoding.UTF8.GetString(file), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubjectErase_CompletesTheRequestWithTheErasureReport()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var erased = await admin.DeleteFromJsonAsync<JsonElement>("/api/v1/subjects/alice");
        var requests = await admin.GetFromJsonAsync<JsonElement>("/api/v1/compliance/requests");

        var request = Assert.Single(requests.GetProperty("requests").EnumerateArray());
        Assert.Equal(erased.GetProperty("request").GetString(), request.GetProperty("id").GetString());
        Assert.Equal("erasure", request.GetProperty("kind").GetString());
        Assert.Contains($"audit entry {erased.GetProperty("auditSequence").GetInt64()}", request.GetProperty("evidence").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_Html_IsAFileWithTheControls()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var response = await admin.GetAsync("/api/v1/compliance/report?format=html");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("conciergus-compliance-20261127T120000Z", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        Assert.Contains("AI decision records (on)", html, StringComparison.Ordinal);
        Assert.Contains("<b id=\"framework\">GDPR</b>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_Json_ListsEachFrameworksObligationsWithTheirStateAndTheViolations()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var report = await admin.GetFromJsonAsync<JsonElement>("/api/v1/compliance/report?format=json");
        var html = await (await admin.GetAsync("/api/v1/compliance/report?format=html")).Content.ReadAsStringAsync();

        var obligations = report.GetProperty("obligations").EnumerateArray().ToList();
        foreach (var framework in ComplianceReportBuilder.Frameworks)
        {
            Assert.Contains(obligations, o => o.GetProperty("framework").GetString() == framework);
        }

        // GDPR Art. 17 is met by the request workflow; its state is that control's state (nothing overdue: in place).
        var erasure = obligations.Single(o => o.GetProperty("framework").GetString() == "GDPR" && o.GetProperty("provision").GetString()!.Contains("17", StringComparison.Ordinal)
            && o.GetProperty("control").GetString() == "Data-subject requests");
        Assert.Equal(report.GetProperty("controls").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "Data-subject requests").GetProperty("status").ToString(),
            erasure.GetProperty("status").ToString());
        Assert.Equal(0, report.GetProperty("violations").GetProperty("overdueRequests").GetInt32());
        Assert.Contains("<table id=\"obligations\">", html, StringComparison.Ordinal);
        Assert.Contains("<td>EU AI Act</td><td>Art. 12</td><td>Tamper-evident audit trail</td>", html, StringComparison.Ordinal);
        Assert.Contains("Violations detected and alerted", html, StringComparison.Ordinal);
    }
}

public sealed class SubjectRightsEndpointsTests : IDisposable
{
    private readonly ConciergusAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Restriction_ThroughTheApi_VerifiedFulfilledEnforcedLifted()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);
        var created = await admin.PostAsJsonAsync("/api/v1/compliance/requests", new { kind = "restriction", userId = "alice", framework = "CCPA" });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var early = await admin.PostAsJsonAsync($"/api/v1/compliance/requests/{id}/fulfil", new { userId = "alice" });
        var verified = await admin.PostAsJsonAsync($"/api/v1/compliance/requests/{id}/verify", new { method = "email" });
        var fulfilled = await admin.PostAsJsonAsync($"/api/v1/compliance/requests/{id}/fulfil", new { userId = "alice" });
        var restricted = !_factory.Services.GetRequiredService<IConsentLookup>().Allows("alice", ConsentPurposes.Analytics);
        var lifted = await admin.DeleteAsync("/api/v1/subjects/alice/restriction");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        Assert.Equal("fulfilled", (await fulfilled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.True(restricted);
        Assert.Equal(HttpStatusCode.NoContent, lifted.StatusCode);
        Assert.True(_factory.Services.GetRequiredService<IConsentLookup>().Allows("alice", ConsentPurposes.Analytics));
    }

    [Theory]
    [InlineData("{\"kind\":\"complaint\",\"userId\":\"a\"}")]
    [InlineData("{\"kind\":\"objection\",\"userId\":\"a\"}")]
    [InlineData("{\"kind\":\"rectification\",\"userId\":\"a\",\"field\":\"email\",\"value\":\"b\"}")]
    public async Task Receive_Invalid_400(string body)
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var response = await admin.PostAsync("/api/v1/compliance/requests", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Reject_ThroughTheApi_ReasonKept()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);
        var created = await admin.PostAsJsonAsync("/api/v1/compliance/requests", new { kind = "erasure", userId = "bob" });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var rejected = await admin.PostAsJsonAsync($"/api/v1/compliance/requests/{id}/reject", new { reason = "manifestly unfounded" });

        var view = await rejected.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("rejected", view.GetProperty("status").GetString());
        Assert.Equal("manifestly unfounded", view.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Reads_DecisionSearchAndSubjectView_AuditedWithActorTargetAndPurpose()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);
        var pseudonym = _factory.Services.GetRequiredService<SubjectPseudonymizer>().Pseudonym("alice");

        var search = await admin.GetAsync("/api/v1/decisions?userId=alice&purpose=fraud%20review");
        var view = await admin.GetAsync("/api/v1/subjects/alice/consent");

        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        var log = _factory.Services.GetRequiredService<AuditLog>();
        var searched = Assert.Single(log.Query(new AuditQuery { Action = ComplianceEndpoints.DecisionSearchAction }).Entries);
        Assert.Equal(pseudonym, searched.Target);
        Assert.Equal("fraud review", searched.Details!["purpose"]);
        Assert.NotEqual(AuditRecorder.Anonymous, searched.Actor);
        var viewed = Assert.Single(log.Query(new AuditQuery { Action = ComplianceEndpoints.SubjectViewAction }).Entries);
        Assert.Equal(pseudonym, viewed.Target);
        Assert.Equal("unspecified", viewed.Details!["purpose"]);
    }
}
