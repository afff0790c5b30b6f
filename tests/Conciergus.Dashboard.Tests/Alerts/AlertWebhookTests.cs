using System.Text;
using System.Text.Json;
using Conciergus.Core.Alerts;
using Conciergus.Core.Storage;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Tests.Experiments;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Alerts;

/// <summary>The registered "webhook" channel (IHttpClientFactory client) against a real HTTP receiver on loopback.</summary>
public sealed class AlertWebhookTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(AlertTestHost.Start);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "conciergus-tests", "alerts-webhook-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);
    private WebhookReceiver _receiver = null!;
    private ServiceProvider _provider = null!;
    private AlertService _service = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            // The receivers here listen on loopback, which receivers may not reach unless allowed (issue 15 item 4).
            ["Conciergus:Alerts:AllowedReceiverNetworks:0"] = "127.0.0.0/8",
            ["Conciergus:Alerts:AllowedReceiverNetworks:1"] = "::1/128",
            ["Conciergus:Alerts:Receivers:0:Name"] = "hook",
            ["Conciergus:Alerts:Receivers:0:Url"] = _receiver.Url.ToString(),
            ["Conciergus:Alerts:RetryDelay"] = "00:05:00",
            ["Conciergus:Alerts:ExternalUrl"] = "https://alerts.example.com/",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton(new ConciergusDatabase(new DataDirectory(Options.Create(new ConciergusOptions { DataDirectory = _directory }), _directory)));
        var ts = new TimeSeriesOptions();
        services.AddSingleton(new TimeSeriesCache(ts, _time));
        services.AddSingleton(new UserCostLedger(ts, _time));
        services.AddSingleton(sp => new AlertDataSources
        {
            Cache = sp.GetRequiredService<TimeSeriesCache>(),
            Ledger = sp.GetRequiredService<UserCostLedger>(),
            ExperimentSrm = () => [.. _values.Select(v => (v.Key, v.Value))],
        });
        services.AddSingleton<Core.Audit.IAuditLog>(new FakeAuditLog());
        services.AddConciergusAlerts(configuration);
        _provider = services.BuildServiceProvider();
        _service = _provider.GetRequiredService<AlertService>();
        foreach (var rule in _service.Rules())
        {
            await _service.UpdateRuleAsync(rule.Id, rule with { Enabled = false }, Actor.System);
        }

        await _service.CreateRuleAsync(AlertTestHost.Rule() with { Labels = new Dictionary<string, string> { ["team"] = "ai" } }, Actor.System);
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        await _receiver.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // left behind
        }
    }

    private async Task StepAsync(TimeSpan step)
    {
        _time.Advance(step);
        await _service.EvaluateAsync(_time.GetUtcNow());
    }

    // Independent of AlertLabels: FNV-1a 64 over the whole byte stream name 0xff value 0xff, names sorted (prometheus/common labelSetToFingerprint).
    private static string ReferenceFingerprint(IReadOnlyDictionary<string, string> labels)
    {
        var bytes = new List<byte>();
        foreach (var name in labels.Keys.Order(StringComparer.Ordinal))
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(name));
            bytes.Add(0xff);
            bytes.AddRange(Encoding.UTF8.GetBytes(labels[name]));
            bytes.Add(0xff);
        }

        var hash = 0xcbf29ce484222325UL;
        foreach (var b in bytes)
        {
            hash = unchecked((hash ^ b) * 0x100000001b3UL);
        }

        return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Dictionary<string, string> Map(JsonElement e) =>
        e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

    [Fact]
    public async Task Dispatch_RealReceiver_GetsAlertmanagerV4PayloadFieldByField()
    {
        _values["checkout"] = 2000;
        await StepAsync(TimeSpan.FromSeconds(10)); // fires at 12:00:10
        for (var i = 0; i < 3; i++)
        {
            await StepAsync(TimeSpan.FromSeconds(10)); // group_wait 30 s: sent at 12:00:40
        }

        var hook = await _receiver.NextAsync();
        var instance = _service.Instances().Single();
        var json = hook.Json;
        var labels = new Dictionary<string, string> { ["alertname"] = "Rule r1", ["experiment"] = "checkout", ["severity"] = "high", ["team"] = "ai" };

        Assert.Equal("application/json", hook.ContentType);
        Assert.Equal(
            ["version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels", "commonLabels", "commonAnnotations", "externalURL", "alerts"],
            json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("4", json.GetProperty("version").GetString());
        Assert.Equal("{}/{rule=\"r1\"}:{alertname=\"Rule r1\"}", json.GetProperty("groupKey").GetString());
        Assert.Equal(0, json.GetProperty("truncatedAlerts").GetInt32());
        Assert.Equal("firing", json.GetProperty("status").GetString());
        Assert.Equal("hook", json.GetProperty("receiver").GetString());
        Assert.Equal(new Dictionary<string, string> { ["alertname"] = "Rule r1" }, Map(json.GetProperty("groupLabels")));
        Assert.Equal(labels, Map(json.GetProperty("commonLabels")));
        Assert.Equal(new Dictionary<string, string> { ["summary"] = "checkout is 2000" }, Map(json.GetProperty("commonAnnotations")));
        Assert.Equal("https://alerts.example.com", json.GetProperty("externalURL").GetString());
        var alert = Assert.Single(json.GetProperty("alerts").EnumerateArray());
        Assert.Equal(["status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"], alert.EnumerateObject().Select(p => p.Name));
        Assert.Equal("firing", alert.GetProperty("status").GetString());
        Assert.Equal(labels, Map(alert.GetProperty("labels")));
        Assert.Equal(new Dictionary<string, string> { ["summary"] = "checkout is 2000" }, Map(alert.GetProperty("annotations")));
        Assert.Equal("2026-11-27T12:00:10Z", alert.GetProperty("startsAt").GetString());
        Assert.Equal("0001-01-01T00:00:00Z", alert.GetProperty("endsAt").GetString());
        Assert.Equal("https://alerts.example.com/alerts/" + instance.Id, alert.GetProperty("generatorURL").GetString());
        Assert.Equal(ReferenceFingerprint(labels), alert.GetProperty("fingerprint").GetString());
        Assert.Equal(instance.Fingerprint, alert.GetProperty("fingerprint").GetString());

        // Resolution: status resolved, endsAt set, same fingerprint; sent at the next group_interval (12:05:40).
        _values.Clear();
        await StepAsync(TimeSpan.FromSeconds(10)); // resolved at 12:00:50
        await StepAsync(TimeSpan.FromSeconds(290));
        var resolved = (await _receiver.NextAsync()).Json;
        Assert.Equal("resolved", resolved.GetProperty("status").GetString());
        var r = Assert.Single(resolved.GetProperty("alerts").EnumerateArray());
        Assert.Equal("resolved", r.GetProperty("status").GetString());
        Assert.Equal("2026-11-27T12:00:50Z", r.GetProperty("endsAt").GetString());
        Assert.Equal(ReferenceFingerprint(labels), r.GetProperty("fingerprint").GetString());
        Assert.Equal(2, _receiver.All.Count);
    }

    [Fact]
    public async Task Dispatch_ReceiverAnswers500_RetriesAfterBackoffOnTheAppClockThenSucceeds()
    {
        _receiver.Statuses.Enqueue(500);
        _values["checkout"] = 2000;
        await StepAsync(TimeSpan.FromSeconds(10));
        await StepAsync(TimeSpan.FromSeconds(10));
        await StepAsync(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(10));
        var evaluation = _service.EvaluateAsync(_time.GetUtcNow()); // flushes: first attempt gets 500

        var first = await _receiver.NextAsync();
        Assert.False(evaluation.IsCompleted);

        // The retry waits RetryDelay (5 min) on the fake clock: no second request until the clock moves.
        ReceivedWebhook? second = null;
        for (var i = 0; i < 10 && second is null; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(5));
            try
            {
                second = await _receiver.NextAsync(TimeSpan.FromSeconds(2));
            }
            catch (TimeoutException)
            {
                // the retry timer was not armed yet when the clock moved; move it again
            }
        }

        await evaluation.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotNull(second);
        Assert.Equal(first.Body, second.Body);
        var delivery = Assert.Single(_service.Deliveries());
        Assert.True(delivery.Succeeded);
        Assert.Equal(2, delivery.Attempts);
        Assert.Equal(200, delivery.HttpStatus);
        Assert.Equal(0, _service.Status.FailedDeliveries);
    }

    [Fact]
    public async Task TestReceiver_SendsSyntheticFiringNotificationAndLogsIt()
    {
        var result = await _service.TestReceiverAsync("hook", new Actor("root", "Admin"));

        Assert.True(result.Succeeded);
        var hook = await _receiver.NextAsync();
        Assert.Equal("ConciergusTest", hook.Json.GetProperty("commonLabels").GetProperty("alertname").GetString());
        Assert.Equal("hook", Assert.Single(_service.Deliveries()).Receiver);
    }
}
