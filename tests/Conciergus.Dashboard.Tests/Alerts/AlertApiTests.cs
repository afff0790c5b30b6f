using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conciergus.Core.Alerts;
using Conciergus.Core.Audit;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Alerts;

/// <summary>The alerting HTTP API in the real app: JSON shapes, validation messages, roles, the operator workflow and its audit.</summary>
public sealed class AlertApiTests : IDisposable
{
    private const string IssueRule = """
        {"name": "High error rate", "metric": "error_rate", "window": "1m", "groupBy": ["model"],
         "operator": ">", "threshold": 0.05, "recoveryThreshold": null, "for": "0s", "keepFiringFor": "0s",
         "noData": "ok", "severity": "high", "labels": {"team": "ai"}, "annotations": {"summary":
         "Error rate {{ $value }} on {{ $labels.model }}"}, "receivers": ["ops"]}
        """;

    private readonly ConciergusAppFactory _factory = new(new Dictionary<string, string?>
    {
        ["Conciergus:Alerts:Receivers:0:Name"] = "ops",
        ["Conciergus:Alerts:Receivers:0:Url"] = "http://127.0.0.1:9/hook",
    });

    public void Dispose() => _factory.Dispose();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task PostRule_IssueExample_CreatedAndEchoedInWireForm()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var response = await admin.PostAsync("/api/v1/alert-rules", Json(IssueRule));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var rule = await response.JsonAsync();
        Assert.Equal("error_rate", rule.GetProperty("metric").GetString());
        Assert.Equal("1m", rule.GetProperty("window").GetString());
        Assert.Equal(">", rule.GetProperty("operator").GetString());
        Assert.Equal("0s", rule.GetProperty("for").GetString());
        Assert.Equal("0s", rule.GetProperty("keepFiringFor").GetString());
        Assert.Equal("ok", rule.GetProperty("noData").GetString());
        Assert.Equal("high", rule.GetProperty("severity").GetString());
        Assert.Equal(JsonValueKind.Null, rule.GetProperty("recoveryThreshold").ValueKind);
        Assert.Equal("ops", rule.GetProperty("receivers")[0].GetString());
        Assert.Equal(response.Headers.Location!.OriginalString, "/api/v1/alert-rules/" + rule.GetProperty("id").GetString());

        var list = await (await admin.GetAsync("/api/v1/alert-rules")).JsonAsync();
        var names = list.GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("name").GetString()).ToList();
        Assert.Equal(BuiltInRules.All.Count + 1, names.Count); // the built-in rules first, then ours
        Assert.Equal("High error rate", names[^1]);
        var audit = _factory.Services.GetRequiredService<AuditLog>().Query(new AuditQuery { Action = "alert_rule.create" });
        Assert.Equal(rule.GetProperty("id").GetString(), Assert.Single(audit.Entries).Target);
    }

    [Theory]
    [InlineData("\"metric\": \"error_rate\"", "\"metric\": \"errors\"", "metric", "Unknown metric 'errors'")]
    [InlineData("\"window\": \"1m\"", "\"window\": \"1 minute\"", "window", "is not a duration")]
    [InlineData("\"operator\": \">\"", "\"operator\": \"=>\"", "operator", "Unknown operator '=>'")]
    [InlineData("\"severity\": \"high\"", "\"severity\": \"HIGH\"", "severity", "use critical, high, medium or low")]
    [InlineData("\"noData\": \"ok\"", "\"noData\": \"nodata\"", "noData", "keep_last_state")]
    [InlineData("[\"model\"]", "[\"model\", \"application\"]", "groupBy", "one series per dimension")]
    [InlineData("[\"model\"]", "[\"user\"]", "groupBy", "user_cost")]
    [InlineData("[\"ops\"]", "[\"pager\"]", "receivers", "Unknown receiver 'pager'")]
    [InlineData("\"recoveryThreshold\": null", "\"recoveryThreshold\": 0.5", "recoveryThreshold", "must not be above the threshold")]
    [InlineData("{{ $value }}", "{{ .Value }}", "annotations", "Unsupported template")]
    [InlineData("{\"name\"", "{\"id\": \"a/b\", \"name\"", "id", "must be 1 to 100 letters")]
    [InlineData("\"window\": \"1m\"", "\"window\": \"30s\", \"trend\": true", "trend", "at least 1m")]
    public async Task PostRule_Invalid_Returns400WithFieldMessage(string from, string to, string field, string message)
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var response = await admin.PostAsync("/api/v1/alert-rules", Json(IssueRule.Replace(from, to, StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        var messages = problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(m => m.GetString()!).ToList();
        Assert.Contains(messages, m => m.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PostRule_Trend_EchoedAndReadBack()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var created = await admin.PostAsync("/api/v1/alert-rules", Json(IssueRule.Replace("\"window\": \"1m\"", "\"window\": \"15m\", \"trend\": true", StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("id").GetString();
        var read = await (await admin.GetAsync($"/api/v1/alert-rules/{id}")).JsonAsync();
        Assert.True(read.GetProperty("trend").GetBoolean());
        Assert.Equal("15m", read.GetProperty("window").GetString());
    }

    [Fact]
    public async Task PostRule_AsOperator_Returns403()
    {
        using var operatorClient = _factory.CreateApiClient(ConciergusRole.Operator);

        var response = await operatorClient.PostAsync("/api/v1/alert-rules", Json(IssueRule));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task BuiltInRule_DeleteIs409_DisableWorks()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var delete = await admin.DeleteAsync("/api/v1/alert-rules/builtin-error-rate");
        var rule = await (await admin.GetAsync("/api/v1/alert-rules/builtin-error-rate")).JsonAsync();
        var body = System.Text.Json.Nodes.JsonNode.Parse(rule.GetRawText())!;
        body["enabled"] = false;
        var put = await admin.PutAsync("/api/v1/alert-rules/builtin-error-rate", Json(body.ToJsonString()));

        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        Assert.Contains("disable it", (await delete.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var updated = await put.JsonAsync();
        Assert.False(updated.GetProperty("enabled").GetBoolean());
        Assert.True(updated.GetProperty("builtIn").GetBoolean());
        Assert.Equal("5m", updated.GetProperty("window").GetString());
    }

    [Fact]
    public async Task Preview_RuleOverLastHour_ReturnsSeriesAndBreaches()
    {
        var now = _factory.Time.GetUtcNow();
        _ = _factory.CreateClient();
        await _factory.IngestAsync(now.AddSeconds(-1), status: "error"); // buckets are [t, t+1s): a call ending exactly now is in the next one
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var response = await admin.PostAsync("/api/v1/alert-rules/preview?range=1h", Json(IssueRule));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var preview = await response.JsonAsync();
        var series = Assert.Single(preview.GetProperty("series").EnumerateArray());
        Assert.Equal("gpt-4o", series.GetProperty("labels").GetProperty("model").GetString());
        Assert.Equal(1.0, series.GetProperty("points")[series.GetProperty("points").GetArrayLength() - 1][1].GetDouble());
        Assert.Equal("model=gpt-4o,provider=openai", Assert.Single(preview.GetProperty("breaches").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task Receivers_ApiCrud_ConfigReceiverReadOnly()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var created = await admin.PostAsJsonAsync("/api/v1/receivers", new { name = "pager", url = "https://pager.example.com/hook" });
        var duplicate = await admin.PostAsJsonAsync("/api/v1/receivers", new { name = "pager", url = "https://pager.example.com/hook" });
        var badUrl = await admin.PostAsJsonAsync("/api/v1/receivers", new { name = "bad", url = "not a url" });
        var badKind = await admin.PostAsJsonAsync("/api/v1/receivers", new { name = "pigeon", url = "https://x.example.com", kind = "pigeon" });
        var changeConfig = await admin.PutAsJsonAsync("/api/v1/receivers/ops", new { name = "ops", url = "https://evil.example.com" });
        var deleteConfig = await admin.DeleteAsync("/api/v1/receivers/ops");
        var list = await (await admin.GetAsync("/api/v1/receivers")).JsonAsync();
        var deleted = await admin.DeleteAsync("/api/v1/receivers/pager");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badUrl.StatusCode);
        Assert.Contains("absolute http(s) URL", (await badUrl.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("No channel handles kind 'pigeon'", (await badKind.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, changeConfig.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, deleteConfig.StatusCode);
        Assert.Equal(
            [("ops", true), ("pager", false)],
            list.GetProperty("receivers").EnumerateArray().Select(r => (r.GetProperty("name").GetString(), r.GetProperty("fromConfiguration").GetBoolean())));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var actions = _factory.Services.GetRequiredService<AuditLog>().Query(new AuditQuery { Action = "receiver." }).Entries.Select(e => e.Action).ToList();
        Assert.Equal(["receiver.delete", "receiver.save"], actions);
    }

    [Fact]
    public async Task Silences_CreateValidateExpire()
    {
        using var operatorClient = _factory.CreateApiClient(ConciergusRole.Operator);
        var now = _factory.Time.GetUtcNow();

        var bad = await operatorClient.PostAsJsonAsync("/api/v1/silences", new
        {
            matchers = new[] { new { name = "model", @operator = "=~", value = "(" } },
            endsAt = now.AddHours(1),
            comment = "x",
        });
        var created = await operatorClient.PostAsJsonAsync("/api/v1/silences", new
        {
            matchers = new[] { new { name = "alertname", @operator = "=", value = "High error rate" } },
            endsAt = now.AddHours(1),
            comment = "deploy",
            quietHours = new { days = new[] { "monday", "friday" }, startTime = "22:00", endTime = "06:00", timeZone = "Europe/Berlin" },
        });
        var silence = await created.JsonAsync();
        var id = silence.GetProperty("id").GetString();
        var expire = await operatorClient.DeleteAsync($"/api/v1/silences/{id}");
        var after = await (await operatorClient.GetAsync($"/api/v1/silences/{id}")).JsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("not a valid regular expression", (await bad.JsonAsync()).GetProperty("errors").GetProperty("matchers")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("active", silence.GetProperty("state").GetString());
        Assert.Equal("=", silence.GetProperty("matchers")[0].GetProperty("operator").GetString());
        Assert.Equal("22:00", silence.GetProperty("quietHours").GetProperty("startTime").GetString());
        Assert.StartsWith("api-key:", silence.GetProperty("createdBy").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, expire.StatusCode);
        Assert.Equal("expired", after.GetProperty("state").GetString());
        var actions = _factory.Services.GetRequiredService<AuditLog>().Query(new AuditQuery { Action = "silence." }).Entries.Select(e => e.Action).ToList();
        Assert.Equal(["silence.expire", "silence.create"], actions);
    }

    [Fact]
    public async Task AckAndResolve_Workflow_RolesStateAndAudit()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);
        using var operatorClient = _factory.CreateApiClient(ConciergusRole.Operator);
        using var viewer = _factory.CreateApiClient(ConciergusRole.Viewer);
        var rule = IssueRule.Replace("\"window\": \"1m\"", "\"window\": \"1h\"", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/v1/alert-rules", Json(rule))).StatusCode);
        await _factory.IngestAsync(_factory.Time.GetUtcNow(), status: "error");
        await _factory.TickAsync();

        var firing = await (await viewer.GetAsync("/api/v1/alerts?state=firing")).JsonAsync();
        var alert = firing.GetProperty("alerts").EnumerateArray().Single(a => a.GetProperty("ruleName").GetString() == "High error rate");
        var id = alert.GetProperty("id").GetString();
        Assert.Equal("firing", alert.GetProperty("state").GetString());
        Assert.Equal(1.0, alert.GetProperty("value").GetDouble());
        Assert.Equal("Error rate 1 on gpt-4o", alert.GetProperty("annotations").GetProperty("summary").GetString());
        Assert.Equal("ai", alert.GetProperty("labels").GetProperty("team").GetString());
        Assert.Equal(16, alert.GetProperty("fingerprint").GetString()!.Length);
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("endsAt").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync("/api/v1/alerts?state=open")).StatusCode);

        var viewerAck = await viewer.PostAsJsonAsync($"/api/v1/alerts/{id}/acknowledge", new { comment = "mine" });
        var ack = await operatorClient.PostAsJsonAsync($"/api/v1/alerts/{id}/acknowledge", new { comment = "on it" });
        var again = await operatorClient.PostAsJsonAsync($"/api/v1/alerts/{id}/acknowledge", new { comment = "again" });
        var resolve = await operatorClient.PostAsJsonAsync($"/api/v1/alerts/{id}/resolve", new { comment = "rotated the key" });
        var resolveAgain = await operatorClient.PostAsJsonAsync($"/api/v1/alerts/{id}/resolve", new { comment = "x" });
        var missing = await operatorClient.PostAsJsonAsync("/api/v1/alerts/nope/resolve", new { comment = "x" });
        var detail = await (await viewer.GetAsync($"/api/v1/alerts/{id}")).JsonAsync();

        Assert.Equal(HttpStatusCode.Forbidden, viewerAck.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var acked = await ack.JsonAsync();
        Assert.True(acked.GetProperty("acknowledged").GetBoolean());
        var actor = acked.GetProperty("acknowledgedBy").GetString();
        Assert.StartsWith("api-key:", actor, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, resolve.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, resolveAgain.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("resolved", detail.GetProperty("state").GetString());
        Assert.Equal(
            ["pending", "firing", "acknowledged", "resolved_by_hand"],
            detail.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("event").GetString()));
        Assert.Equal("rotated the key", detail.GetProperty("history")[3].GetProperty("comment").GetString());

        var audit = _factory.Services.GetRequiredService<AuditLog>().Query(new AuditQuery { Action = "alert." }).Entries;
        Assert.Equal(["alert.resolve", "alert.acknowledge"], audit.Select(e => e.Action));
        Assert.All(audit, e => Assert.Equal((actor, "Operator", id), (e.Actor, e.Role, e.Target)));
        Assert.Equal("on it", audit[1].Details!["comment"]);
        Assert.Equal("rotated the key", audit[0].Details!["comment"]);
    }

    [Fact]
    public async Task Status_AndMetricsAndHealth_ShowTheEvaluator()
    {
        using var viewer = _factory.CreateApiClient(ConciergusRole.Viewer);
        await _factory.TickAsync();

        var status = await (await viewer.GetAsync("/api/v1/alerts/status")).JsonAsync();
        var metrics = await viewer.GetStringAsync("/metrics");
        var health = await (await _factory.CreateClient().GetAsync("/healthz")).JsonAsync();

        Assert.Equal("10s", status.GetProperty("interval").GetString());
        Assert.Equal(1, status.GetProperty("evaluations").GetInt64());
        Assert.Contains("conciergus_alerts_firing{severity=\"critical\"} 0", metrics, StringComparison.Ordinal);
        Assert.Contains("conciergus_alert_evaluations_total 1", metrics, StringComparison.Ordinal);
        Assert.Equal(1, health.GetProperty("alerts").GetProperty("evaluations").GetInt64());
    }
}
