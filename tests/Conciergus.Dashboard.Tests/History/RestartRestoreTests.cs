using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conciergus.Dashboard.Tests.Alerts;
using Conciergus.Dashboard.Tests.Robustness;

namespace Conciergus.Dashboard.Tests.History;

/// <summary>
/// Issue 14, "Done when": the built dashboard as a child process, SIGKILL and SIGTERM, restarted on the same data folder.
/// What the store had committed before a SIGKILL comes back figure for figure; only the batch sent in the last moment
/// before the kill may be missing (the SIGKILL bound); after a SIGTERM nothing is missing.
/// </summary>
public sealed class RestartRestoreTests : IDisposable
{
    private const string LastUser = "u-last";
    private const string LastModel = "gpt-4o-mini";
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "conciergus-restore-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public async Task SigKillThenSigTerm_Restart_RestoresEveryFigureExceptTheLastSecondBeforeTheKill()
    {
        Figures committed;
        const int lastBatch = 25;
        int sent;
        using (var app = await ChildDashboard.StartAsync(_dataDirectory))
        {
            using var ingest = app.IngestionClient();
            using var admin = app.AdminClient();
            await WaitReadyAsync(app);
            sent = 0;
            for (var batch = 0; batch < 12; batch++)
            {
                sent += await SendAsync(ingest, Batch(batch));
            }

            // The bound, made visible: wait until the store has committed every operation answered so far...
            await WaitCommittedAsync(app, admin, sent);
            committed = await FiguresAsync(admin);
            Assert.Equal(sent, committed.Summary.GetProperty("requests").GetInt64());

            // ...then one more batch, answered, and the kill right after it: only this batch may be lost.
            await SendAsync(ingest, LastSecondBatch(lastBatch));
            await app.KillAsync();
        }

        Figures afterKill;
        Figures beforeTerm;
        using (var app = await ChildDashboard.StartAsync(_dataDirectory))
        {
            using var admin = app.AdminClient();
            await WaitReadyAsync(app);
            afterKill = await FiguresAsync(admin);

            // k operations of the last batch survived (0..25); every figure differs from the committed ones by exactly k of them.
            var k = LastBatchSurvivors(afterKill);
            Assert.InRange(k, 0, lastBatch);
            AssertOnlyLastBatchDiffers(committed, afterKill, k);

            // A graceful stop loses nothing: what the pages show now is what they show after the restart.
            using var ingest = app.IngestionClient();
            var afterRestart = (await app.HealthAsync(admin)).GetProperty("operationStore").GetProperty("appended").GetInt64();
            var more = await SendAsync(ingest, Batch(99));

            // Costs by user are answered by the store, which commits within a second: read once it has this batch.
            await WaitCommittedAsync(app, admin, (int)afterRestart + more);
            beforeTerm = await FiguresAsync(admin);
            await app.TerminateAsync();
        }

        using (var app = await ChildDashboard.StartAsync(_dataDirectory))
        {
            using var admin = app.AdminClient();
            await WaitReadyAsync(app);
            var afterTerm = await FiguresAsync(admin);
            AssertJsonEqual(beforeTerm.Summary, afterTerm.Summary, "summary");
            AssertJsonEqual(beforeTerm.Costs, afterTerm.Costs, "costs");
            AssertJsonEqual(beforeTerm.Models, afterTerm.Models, "models");
            await app.KillAsync();
        }
    }

    [Fact]
    public async Task Alert_FiringAndAcknowledged_SigKillAndRestartWithoutTraffic_StaysFiringAndSendsNothing()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["Conciergus__Alerts__EvaluationInterval"] = "00:00:01",
            ["Conciergus__Alerts__GroupWait"] = "00:00:00",
            ["Conciergus__Alerts__GroupInterval"] = "00:00:01",
            ["Conciergus__Alerts__Receivers__0__Name"] = "ops",
            ["Conciergus__Alerts__Receivers__0__Url"] = receiver.Url.ToString(),
        };
        JsonElement before;
        using (var app = await ChildDashboard.StartAsync(_dataDirectory, settings))
        {
            using var admin = app.AdminClient();
            using var ingest = app.IngestionClient();
            await WaitReadyAsync(app);
            using (var created = await admin.PostAsync("/api/v1/alert-rules", new StringContent(
                """{"name": "Restore test traffic", "metric": "request_rate", "window": "5m", "operator": ">", "threshold": 0, "for": "0s", "severity": "critical", "receivers": ["ops"]}""",
                Encoding.UTF8,
                "application/json")))
            {
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }

            var sent = await SendAsync(ingest, Batch(0));
            var firing = await receiver.NextAsync(TimeSpan.FromSeconds(60));
            Assert.Equal("firing", firing.Json.GetProperty("status").GetString());
            var id = await PollAsync(app, async () =>
            {
                var alerts = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/alerts?state=firing")).GetProperty("alerts");
                return alerts.GetArrayLength() == 1 ? alerts[0].GetProperty("id").GetString() : null;
            });
            using (var ack = await admin.PostAsJsonAsync($"/api/v1/alerts/{id}/acknowledge", new { comment = "restore test" }))
            {
                Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
            }

            await WaitCommittedAsync(app, admin, sent);
            before = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/alerts/{id}");
            await app.KillAsync();
        }

        var webhooksBefore = receiver.All.Count;
        using (var app = await ChildDashboard.StartAsync(_dataDirectory, settings))
        {
            using var admin = app.AdminClient();
            await WaitReadyAsync(app);

            // Three evaluations after history was restored (the evaluator does not run before), with no new traffic.
            await PollAsync(app, async () =>
            {
                var health = await app.HealthAsync(admin);
                return health.GetProperty("alerts").GetProperty("evaluations").GetInt64() >= 3 ? "done" : null;
            });
            var id = before.GetProperty("id").GetString();
            var after = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/alerts/{id}");
            Assert.Equal("firing", after.GetProperty("state").GetString());
            Assert.True(after.GetProperty("acknowledged").GetBoolean());
            foreach (var field in new[] { "fingerprint", "startsAt", "activeAt", "acknowledgedAt", "acknowledgedBy" })
            {
                Assert.Equal(before.GetProperty(field).GetRawText(), after.GetProperty(field).GetRawText());
            }

            // Nothing since the first firing: no "resolved", no second "firing".
            Assert.Equal(webhooksBefore, receiver.All.Count);
            Assert.Equal(1, webhooksBefore);
            Assert.False(receiver.TryNext(out var extra), extra?.Body);
            await app.KillAsync();
        }
    }

    private static object[] Batch(int batch) =>
    [
        .. Enumerable.Range(0, 40).Select(i =>
        {
            var n = (batch * 40) + i;
            var (provider, model) = (n % 3) switch
            {
                0 => ("openai", "gpt-4o"),
                1 => ("anthropic", "claude-sonnet-4-5"),
                _ => ("google", "gemini-2.5-pro"),
            };
            return (object)new
            {
                provider,
                model,
                durationMs = 50 + ((n * 37) % 2000),
                timeToFirstTokenMs = (n % 2 == 0) ? 20 + (n % 90) : (int?)null,
                inputTokens = 100 + (n % 700),
                cachedInputTokens = n % 50,
                outputTokens = 10 + (n % 300),
                status = n % 11 == 0 ? "error" : "ok",
                error = n % 11 == 0 ? new { type = "rate_limit_error", httpStatus = 429 } : null,
                application = n % 2 == 0 ? "support-bot" : "search",
                userId = "u-" + (n % 5),
            };
        }),
    ];

    /// <summary>Identical operations of one user and one model seen nowhere else, so whatever survives of it is countable.</summary>
    private static object[] LastSecondBatch(int count) =>
    [
        .. Enumerable.Range(0, count).Select(_ => (object)new
        {
            provider = "openai",
            model = LastModel,
            durationMs = 300,
            inputTokens = 1000,
            outputTokens = 100,
            status = "ok",
            application = "support-bot",
            userId = LastUser,
        }),
    ];

    private static async Task<int> SendAsync(HttpClient ingest, object[] operations)
    {
        using var response = await ingest.PostAsJsonAsync("/api/v1/operations", new { operations });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(operations.Length, body.GetProperty("accepted").GetInt32());
        return operations.Length;
    }

    private sealed record Figures(JsonElement Summary, JsonElement Costs, JsonElement Models);

    private static async Task<Figures> FiguresAsync(HttpClient admin) => new(
        await admin.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=1h"),
        await admin.GetFromJsonAsync<JsonElement>("/api/v1/costs?groupBy=user&window=1h"),
        await admin.GetFromJsonAsync<JsonElement>("/api/v1/models?window=1h"));

    private static int LastBatchSurvivors(Figures figures)
    {
        var group = figures.Costs.GetProperty("groups").EnumerateArray().FirstOrDefault(g => g.GetProperty("key").GetString() == LastUser);
        var byUser = group.ValueKind == JsonValueKind.Undefined ? 0 : group.GetProperty("requests").GetInt32();
        var row = figures.Models.GetProperty("models").EnumerateArray().FirstOrDefault(m => m.GetProperty("model").GetString() == LastModel);
        var byModel = row.ValueKind == JsonValueKind.Undefined ? 0 : row.GetProperty("stats").GetProperty("requests").GetInt32();
        Assert.Equal(byUser, byModel);
        return byUser;
    }

    private static void AssertOnlyLastBatchDiffers(Figures committed, Figures now, int k)
    {
        // Every other user and model: identical, percentiles included (the sketches are rebuilt bucket for bucket).
        foreach (var group in committed.Costs.GetProperty("groups").EnumerateArray())
        {
            var key = group.GetProperty("key").GetString();
            var again = now.Costs.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("key").GetString() == key);
            foreach (var field in new[] { "costUsd", "requests", "inputTokens", "outputTokens" })
            {
                Assert.Equal(group.GetProperty(field).GetDecimal(), again.GetProperty(field).GetDecimal());
            }
        }

        foreach (var row in committed.Models.GetProperty("models").EnumerateArray())
        {
            var model = row.GetProperty("model").GetString();
            var again = now.Models.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("model").GetString() == model);
            AssertJsonEqual(row, again, "models/" + model);
        }

        // The totals: committed + k operations of the last batch (1000 input and 100 output tokens each).
        var s0 = committed.Summary;
        var s1 = now.Summary;
        Assert.Equal(s0.GetProperty("requests").GetInt64() + k, s1.GetProperty("requests").GetInt64());
        Assert.Equal(s0.GetProperty("errors").GetInt64(), s1.GetProperty("errors").GetInt64());
        Assert.Equal(s0.GetProperty("inputTokens").GetInt64() + (1000L * k), s1.GetProperty("inputTokens").GetInt64());
        Assert.Equal(s0.GetProperty("outputTokens").GetInt64() + (100L * k), s1.GetProperty("outputTokens").GetInt64());
        if (k == 0)
        {
            AssertJsonEqual(committed.Summary, now.Summary, "summary");
            AssertJsonEqual(committed.Costs, now.Costs, "costs");
        }
    }

    /// <summary>Same JSON; numbers equal up to the last bits of a double (sums added in another order).</summary>
    private static void AssertJsonEqual(JsonElement expected, JsonElement actual, string path)
    {
        Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: {expected.ValueKind} vs {actual.ValueKind}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var names = expected.EnumerateObject().Select(p => p.Name).ToList();
                Assert.Equal(names, actual.EnumerateObject().Select(p => p.Name).ToList());
                foreach (var name in names.Where(n => n is not ("from" or "to"))) // the window's ends: "the last hour" read at another instant
                {
                    AssertJsonEqual(expected.GetProperty(name), actual.GetProperty(name), path + "." + name);
                }

                break;
            case JsonValueKind.Array:
                Assert.True(expected.GetArrayLength() == actual.GetArrayLength(), $"{path}: {expected.GetArrayLength()} vs {actual.GetArrayLength()} items");
                for (var i = 0; i < expected.GetArrayLength(); i++)
                {
                    AssertJsonEqual(expected[i], actual[i], $"{path}[{i}]");
                }

                break;
            case JsonValueKind.Number:
                var a = expected.GetDouble();
                var b = actual.GetDouble();
                Assert.True(Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(a)), $"{path}: {a} vs {b}");
                break;
            default:
                Assert.True(expected.GetRawText() == actual.GetRawText(), $"{path}: {expected.GetRawText()} vs {actual.GetRawText()}");
                break;
        }
    }

    private static async Task WaitReadyAsync(ChildDashboard app)
    {
        using var client = new HttpClient { BaseAddress = app.BaseAddress };
        await PollAsync(app, async () =>
        {
            using var response = await client.GetAsync("/readyz");
            return response.StatusCode == HttpStatusCode.OK ? "ready" : null;
        });
    }

    /// <summary>Until the store has committed at least <paramref name="operations"/> operations and its queue is empty.</summary>
    private static Task WaitCommittedAsync(ChildDashboard app, HttpClient admin, int operations) =>
        PollAsync(app, async () =>
        {
            var store = (await app.HealthAsync(admin)).GetProperty("operationStore");
            return store.GetProperty("appended").GetInt64() >= operations && store.GetProperty("queueLength").GetInt32() == 0 ? "committed" : null;
        });

    private static async Task<string> PollAsync(ChildDashboard app, Func<Task<string?>> probe)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(app.HasExited, "the dashboard exited");
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(100); // polling an external process (the child dashboard); it has no clock of ours to advance
        }

        Assert.Fail("the condition was not reached within 60 s");
        return null!;
    }
}
