using Conciergus.Core.Audit;
using System.Collections.Concurrent;
using Conciergus.Core.Alerts;
using Conciergus.Core.Storage;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Tests.Experiments;
using Conciergus.Core.Model;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Alerts;

/// <summary>A channel that records every notification and answers with a scripted result.</summary>
internal sealed class RecordingChannel(string kind = AlertService.WebhookKind) : IAlertChannel
{
    private readonly ConcurrentQueue<AlertNotification> _sent = new();

    public string Kind => kind;

    public IReadOnlyList<AlertNotification> Sent => [.. _sent];

    /// <summary>Results for the next sends (then success).</summary>
    public ConcurrentQueue<AlertChannelResult> Script { get; } = new();

    public Task<AlertChannelResult> SendAsync(AlertReceiver receiver, AlertNotification notification, CancellationToken cancellationToken)
    {
        _sent.Enqueue(notification);
        return Task.FromResult(Script.TryDequeue(out var r) ? r : new AlertChannelResult(true, 200));
    }
}

/// <summary>
/// A real alert service on a temporary LiteDB file, a real time-series cache and ledger, a fake clock, a recording
/// channel and a fake audit log. Metric values for state-machine tables come from <see cref="Values"/> through the
/// experiment_srm source (one label "experiment" per key), so a test sets any value per label set per evaluation.
/// </summary>
internal sealed class AlertTestHost : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory;
    private readonly Action<AlertsOptions>? _configure;
    private readonly IReadOnlyList<IAlertChannel> _extraChannels;
    private readonly Func<AlertMetric, TimeSpan, DateTimeOffset, double?>? _compliance;
    private readonly RetentionArchive? _archive;
    private ConciergusDatabase _database;

    public AlertTestHost(Action<AlertsOptions>? configure = null, string? directory = null, FakeTimeProvider? time = null, IReadOnlyList<IAlertChannel>? extraChannels = null,
        Func<AlertMetric, TimeSpan, DateTimeOffset, double?>? compliance = null, RetentionArchive? archive = null)
    {
        _compliance = compliance;
        _archive = archive;
        _configure = configure;
        _extraChannels = extraChannels ?? [];
        _directory = directory ?? Path.Combine(Path.GetTempPath(), "conciergus-tests", "alerts-" + Guid.NewGuid().ToString("N"));
        Time = time ?? new FakeTimeProvider(Start);
        var tsOptions = new TimeSeriesOptions();
        Cache = new TimeSeriesCache(tsOptions, Time);
        Ledger = new UserCostLedger(tsOptions, Time);
        _database = Open();
        Service = Create();
    }

    public FakeTimeProvider Time { get; }

    public TimeSeriesCache Cache { get; }

    public UserCostLedger Ledger { get; }

    public FakeAuditLog Audit { get; } = new();

    public RecordingChannel Channel { get; private set; } = new();

    /// <summary>Current value per "experiment" label (missing key = series gone; empty = no data).</summary>
    public ConcurrentDictionary<string, double> Values { get; } = new();

    public long Drops { get; set; }

    /// <summary>When set, the scripted source throws this message (a failing rule).</summary>
    public string? SourceError { get; set; }

    public AlertService Service { get; private set; }

    /// <summary>Passed to the service at the next <see cref="Restart"/> (the history restore's readiness).</summary>
    public IAlertDataReadiness? Readiness { get; set; }

    public string Directory => _directory;

    /// <summary>A rule over the scripted values (metric experiment_srm, grouped by experiment).</summary>
    public static AlertRule Rule(string id = "r1", AlertOperator op = AlertOperator.GreaterThan, double threshold = 1000, double? recovery = null,
        TimeSpan? pending = null, TimeSpan? keepFiringFor = null, AlertNoDataPolicy noData = AlertNoDataPolicy.Ok, IReadOnlyList<string>? receivers = null) => new()
    {
        Id = id,
        Name = "Rule " + id,
        Metric = AlertMetric.ExperimentSrm,
        GroupBy = ["experiment"],
        Operator = op,
        Threshold = threshold,
        RecoveryThreshold = recovery,
        For = pending ?? TimeSpan.Zero,
        KeepFiringFor = keepFiringFor ?? TimeSpan.Zero,
        NoData = noData,
        Severity = AlertSeverity.High,
        Receivers = receivers ?? [],
        Annotations = new Dictionary<string, string> { ["summary"] = "{{ $labels.experiment }} is {{ $value }}" },
    };

    /// <summary>Replaces every built-in rule with a disabled copy so only the test's rules act.</summary>
    public async Task DisableBuiltInsAsync()
    {
        foreach (var rule in Service.Rules().Where(r => r.BuiltIn))
        {
            await Service.UpdateRuleAsync(rule.Id, rule with { Enabled = false }, Actor.System);
        }
    }

    public async Task<AlertService> AddRuleAsync(AlertRule rule)
    {
        await DisableBuiltInsAsync();
        await Service.CreateRuleAsync(rule, Actor.System);
        return Service;
    }

    /// <summary>Advances the clock by <paramref name="step"/> and evaluates.</summary>
    public async Task StepAsync(TimeSpan step)
    {
        Time.Advance(step);
        await Service.EvaluateAsync(Time.GetUtcNow());
    }

    /// <summary>The open or newest instance for one experiment label.</summary>
    public AlertInstance? InstanceOf(string experiment) =>
        Service.Instances().FirstOrDefault(i => i.Labels.TryGetValue("experiment", out var e) && e == experiment);

    /// <summary>Records one call into the cache (and the ledger when it has a user).</summary>
    public void Record(string model = "gpt-4o", bool error = false, double durationMs = 100, decimal cost = 0.01m, string? user = null, DateTimeOffset? at = null)
    {
        var start = (at ?? Time.GetUtcNow()).AddMilliseconds(-durationMs);
        var op = new AiOperation
        {
            OperationId = Guid.NewGuid().ToString("N"),
            StartTime = start,
            DurationMs = durationMs,
            Provider = "openai",
            RequestModel = model,
            Pricing = PricingStatus.Priced,
            Operation = "chat",
            Application = "app",
            Status = error ? AiOperationStatus.Error : AiOperationStatus.Ok,
            CostUsd = cost,
            UserId = user,
        };
        Cache.Record(op);
        if (user is not null)
        {
            Ledger.Record(user, start, cost, 0, 0);
        }
    }

    /// <summary>Disposes the service and database, opens both again on the same file (a restart; the cache survives only in this fake).</summary>
    public void Restart()
    {
        Service.Dispose();
        _database.Dispose();
        _database = Open();
        Channel = new RecordingChannel();
        Service = Create();
    }

    public void Dispose()
    {
        Service.Dispose();
        _database.Dispose();
        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a temp folder left behind is not a test failure
        }
    }

    private ConciergusDatabase Open() =>
        new(new DataDirectory(Options.Create(new ConciergusOptions { DataDirectory = _directory }), _directory));

    private AlertService Create()
    {
        var options = new AlertsOptions { EvaluationInterval = TimeSpan.FromSeconds(10), RetryDelay = TimeSpan.Zero };
        options.Receivers.Add(new AlertReceiverOptions { Name = "ops", Url = "http://127.0.0.1:9/hook" });
        _configure?.Invoke(options);
        var sources = new AlertDataSources
        {
            Cache = Cache,
            Ledger = Ledger,
            IngestionDropCount = () => Drops,
            ExperimentSrm = () => SourceError is { } error ? throw new InvalidOperationException(error) : [.. Values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => (v.Key, v.Value))],
            Compliance = _compliance ?? (static (_, _, _) => null),
        };
        return new AlertService(_database, sources, Time, Options.Create(options), [Channel, .. _extraChannels], [Audit], readiness: Readiness, archive: _archive);
    }
}
