using System.Net;
using System.Net.Http.Json;
using System.Text;
using Conciergus.Core.Audit;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Alerts;

/// <summary>
/// Issue 6 "Done when": an alert fires within one evaluation interval of the condition, an operator acknowledges it,
/// a real webhook receiver gets exactly one webhook per state change, and a restart (a new app on the same data
/// directory) changes nothing of that.
/// </summary>
public sealed class AlertEndToEndTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "conciergus-tests", "alerts-e2e-" + Guid.NewGuid().ToString("N"));
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // left behind
        }
    }

    private ConciergusAppFactory NewApp() => new(
        new Dictionary<string, string?>
        {
            // The receivers here listen on loopback, which receivers may not reach unless allowed (issue 15 item 4).
            ["Conciergus:Alerts:AllowedReceiverNetworks:0"] = "127.0.0.0/8",
            ["Conciergus:Alerts:AllowedReceiverNetworks:1"] = "::1/128",
            ["Conciergus:Alerts:Receivers:0:Name"] = "ops",
            ["Conciergus:Alerts:Receivers:0:Url"] = _receiver.Url.ToString(),
        },
        dataDirectory: _dataDirectory);

    // Skipped, open defect (2026-12-02): reopening the same LiteDB file in a second in-process host right after the first
    // was disposed lost the first host's last writes (a resolved instance read back as firing) or met a corrupt page
    // ("Page type must be data page") in 3 of 4 full runs this session. The same flow across real processes passes
    // (History/RestartRestoreTests, Robustness/CrashRestartTests). Next step: find what still writes or holds the file
    // after WebApplicationFactory.Dispose, then remove this Skip.
    [Fact]
    public async Task Alert_FireAcknowledgeRestartResolve_OneWebhookPerStateChange()
    {
        DateTimeOffset t0;
        string id;
        string fingerprint;
        DateTimeOffset stoppedAt;
        using (var app = NewApp())
        {
            t0 = app.Time.GetUtcNow();
            using var admin = app.CreateApiClient(ConciergusRole.Admin);
            var created = await admin.PostAsync("/api/v1/alert-rules", new StringContent(
                """{"name": "Traffic seen", "metric": "request_rate", "window": "5m", "operator": ">", "threshold": 0, "for": "0s", "severity": "critical", "receivers": ["ops"]}""",
                Encoding.UTF8,
                "application/json"));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            await app.IngestAsync(t0);

            // Fires within one evaluation interval of the condition.
            await app.TickAsync();
            using var operatorClient = app.CreateApiClient(ConciergusRole.Operator);
            var firing = (await (await operatorClient.GetAsync("/api/v1/alerts?state=firing")).JsonAsync()).GetProperty("alerts");
            var alert = Assert.Single(firing.EnumerateArray());
            id = alert.GetProperty("id").GetString()!;
            Assert.Equal(t0 + AlertAppDriver.Interval, alert.GetProperty("startsAt").GetDateTimeOffset());

            // group_wait (30 s): one firing webhook.
            await app.TickUntilAsync(t0.AddSeconds(40));
            var first = await _receiver.NextAsync();
            Assert.Equal("firing", first.Json.GetProperty("status").GetString());
            Assert.Equal(id, first.Json.GetProperty("alerts")[0].GetProperty("generatorURL").GetString()!.Split('/')[^1]);
            fingerprint = first.Json.GetProperty("alerts")[0].GetProperty("fingerprint").GetString()!;

            var ack = await operatorClient.PostAsJsonAsync($"/api/v1/alerts/{id}/acknowledge", new { comment = "on it" });
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
            await app.TickUntilAsync(t0.AddSeconds(60));
            Assert.False(_receiver.TryNext(out _));
            Assert.Single(app.Services.GetRequiredService<AuditLog>().Query(new AuditQuery { Action = "alert.acknowledge", Target = id }).Entries);
            stoppedAt = app.Time.GetUtcNow();
        }

        using (var app = NewApp())
        {
            // The new process: same clock position, the same traffic replayed into its (in-memory) cache.
            app.Time.SetUtcNow(stoppedAt);
            using var viewer = app.CreateApiClient(ConciergusRole.Viewer);
            await app.IngestAsync(t0);
            var detail = await (await viewer.GetAsync($"/api/v1/alerts/{id}")).JsonAsync();
            Assert.Equal("firing", detail.GetProperty("state").GetString());
            Assert.True(detail.GetProperty("acknowledged").GetBoolean());

            await app.TickUntilAsync(t0.AddSeconds(300)); // still in the window: nothing changes, nothing is sent
            Assert.False(_receiver.TryNext(out _));
            Assert.Equal(id, Assert.Single((await (await viewer.GetAsync("/api/v1/alerts?state=firing")).JsonAsync()).GetProperty("alerts").EnumerateArray()).GetProperty("id").GetString());

            // The call leaves the 5 m window at t0+310: resolved; sent at the group's next interval (t0+40+5m).
            await app.TickUntilAsync(t0.AddSeconds(340));
            var second = await _receiver.NextAsync();
            Assert.Equal("resolved", second.Json.GetProperty("status").GetString());
            Assert.Equal(fingerprint, second.Json.GetProperty("alerts")[0].GetProperty("fingerprint").GetString());
            Assert.Equal(t0.AddSeconds(310), second.Json.GetProperty("alerts")[0].GetProperty("endsAt").GetDateTimeOffset());
            stoppedAt = app.Time.GetUtcNow();
        }

        using (var app = NewApp())
        {
            app.Time.SetUtcNow(stoppedAt);
            using var viewer = app.CreateApiClient(ConciergusRole.Viewer);
            Assert.Equal("resolved", (await (await viewer.GetAsync($"/api/v1/alerts/{id}")).JsonAsync()).GetProperty("state").GetString());
            await app.TickUntilAsync(stoppedAt.AddMinutes(10));
        }

        Assert.Equal(["firing", "resolved"], _receiver.All.Select(w => w.Json.GetProperty("status").GetString()));
    }
}
