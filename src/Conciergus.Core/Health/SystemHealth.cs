using System.Globalization;

using Conciergus.Core.Operations;

namespace Conciergus.Core.Health;

/// <summary>What a component is.</summary>
public enum HealthComponentKind
{
    /// <summary>A part of the dashboard itself (ingestion, store, alert evaluator, live publisher).</summary>
    Dashboard,

    /// <summary>A model (provider + model).</summary>
    Model,

    /// <summary>An application (service.name).</summary>
    Application,
}

/// <summary>One component's status and the rule that decided it.</summary>
/// <param name="Name">Component name (models and applications as sent: render as text).</param>
/// <param name="Kind">What it is.</param>
/// <param name="Status">healthy, degraded, critical or down.</param>
/// <param name="Rule">The rule that decided the status, in words ("drops 7.1% ≥ 5%").</param>
public sealed record ComponentHealth(string Name, HealthComponentKind Kind, ModelHealthStatus Status, string Rule);

/// <summary>The whole system: the roll-up, the rule that decided it, and every component worst first.</summary>
/// <param name="Status">Roll-up status.</param>
/// <param name="Rule">Why ("model openai/gpt-4o is down: ...").</param>
/// <param name="Components">Every component, worst first.</param>
public sealed record SystemHealthReport(ModelHealthStatus Status, string Rule, IReadOnlyList<ComponentHealth> Components);

/// <summary>Ingestion counters since start (the evaluator turns them into a window).</summary>
/// <param name="Received">Operations and spans offered (accepted + dropped).</param>
/// <param name="Dropped">Lost: collector drops and too old, refused spans and requests.</param>
public sealed record IngestionHealthInput(long Received, long Dropped);

/// <summary>Store state.</summary>
/// <param name="OperationStore">Operation store state, null when not registered.</param>
/// <param name="Reason">Why the store is degraded.</param>
/// <param name="LiteDbAvailable">Whether LiteDB (rules, audit, users) opened; null when not registered.</param>
public sealed record StoreHealthInput(OperationStoreState? OperationStore, string? Reason, bool? LiteDbAvailable);

/// <summary>Alert evaluator status.</summary>
/// <param name="LastEvaluation">Last evaluation, null before the first.</param>
/// <param name="Interval">Evaluation interval.</param>
/// <param name="RuleErrors">Rules that failed to evaluate last time.</param>
public sealed record EvaluatorHealthInput(DateTimeOffset? LastEvaluation, TimeSpan Interval, int RuleErrors);

/// <summary>Live publisher status.</summary>
/// <param name="Running">Timer running.</param>
/// <param name="LastPublishedAt">Last snapshot sent.</param>
/// <param name="LastError">Message of the last failed tick, when the last tick failed.</param>
public sealed record PublisherHealthInput(bool Running, DateTimeOffset? LastPublishedAt, string? LastError);

/// <summary>An application: its AI calls and its own metrics.</summary>
/// <param name="Name">service.name.</param>
/// <param name="Requests">AI calls in the window.</param>
/// <param name="ErrorRate">Failed / all calls.</param>
/// <param name="P95Ms">p95 latency of its calls.</param>
/// <param name="LastSeen">Newest call or metric point.</param>
/// <param name="CpuUtilization">process.cpu.utilization (0..1), when sent.</param>
/// <param name="QueueLength">dotnet.thread_pool.queue.length, when sent.</param>
public sealed record ApplicationHealthInput(string Name, long Requests, double ErrorRate, double? P95Ms, DateTimeOffset? LastSeen, double? CpuUtilization, double? QueueLength);

/// <summary>Everything the verdict reads, gathered by the host.</summary>
public sealed record SystemHealthInputs
{
    /// <summary>Now.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>Ingestion counters (null: not registered).</summary>
    public IngestionHealthInput? Ingestion { get; init; }

    /// <summary>Store state (null: not registered).</summary>
    public StoreHealthInput? Store { get; init; }

    /// <summary>Alert evaluator (null: not registered).</summary>
    public EvaluatorHealthInput? Evaluator { get; init; }

    /// <summary>Live publisher (null: not registered).</summary>
    public PublisherHealthInput? Publisher { get; init; }

    /// <summary>Model verdicts (name, verdict) from <see cref="ModelHealthClassifier"/>.</summary>
    public IReadOnlyList<(string Name, ModelHealthVerdict Verdict)> Models { get; init; } = [];

    /// <summary>Applications.</summary>
    public IReadOnlyList<ApplicationHealthInput> Applications { get; init; } = [];
}

/// <summary>Thresholds of the system verdict (section Conciergus:Health:System).</summary>
public sealed class SystemHealthOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Conciergus:Health:System";

    /// <summary>Window over which ingestion drops are counted.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Dropped / received in the window from which ingestion is degraded.</summary>
    public double IngestionDegradedDropRatio { get; set; } = 0.001;

    /// <summary>... critical.</summary>
    public double IngestionCriticalDropRatio { get; set; } = 0.05;

    /// <summary>... down.</summary>
    public double IngestionDownDropRatio { get; set; } = 0.95;

    /// <summary>Evaluation intervals without an evaluation from which the alert evaluator is critical.</summary>
    public double EvaluatorCriticalIntervals { get; set; } = 3;

    /// <summary>... down.</summary>
    public double EvaluatorDownIntervals { get; set; } = 10;

    /// <summary>No snapshot published for this long: the live publisher is critical.</summary>
    public TimeSpan PublisherStaleAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>No call and no metric point for this long: the application is down.</summary>
    public TimeSpan ApplicationStaleAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>CPU utilization (0..1) from which an application is degraded.</summary>
    public double ApplicationDegradedCpu { get; set; } = 0.85;

    /// <summary>... critical.</summary>
    public double ApplicationCriticalCpu { get; set; } = 0.95;

    /// <summary>Thread-pool queue length from which an application is degraded.</summary>
    public double ApplicationDegradedQueue { get; set; } = 100;

    /// <summary>... critical.</summary>
    public double ApplicationCriticalQueue { get; set; } = 1000;

    /// <summary>What is wrong, in words (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (!(IngestionDegradedDropRatio > 0 && IngestionDegradedDropRatio <= IngestionCriticalDropRatio && IngestionCriticalDropRatio <= IngestionDownDropRatio && IngestionDownDropRatio <= 1))
        {
            failures.Add($"{SectionName}: drop ratios must satisfy 0 < IngestionDegradedDropRatio <= IngestionCriticalDropRatio <= IngestionDownDropRatio <= 1.");
        }

        if (!(EvaluatorCriticalIntervals >= 1 && EvaluatorCriticalIntervals <= EvaluatorDownIntervals))
        {
            failures.Add($"{SectionName}: 1 <= EvaluatorCriticalIntervals <= EvaluatorDownIntervals is required.");
        }

        if (!(ApplicationDegradedCpu > 0 && ApplicationDegradedCpu <= ApplicationCriticalCpu))
        {
            failures.Add($"{SectionName}: 0 < ApplicationDegradedCpu <= ApplicationCriticalCpu is required.");
        }

        if (!(ApplicationDegradedQueue > 0 && ApplicationDegradedQueue <= ApplicationCriticalQueue))
        {
            failures.Add($"{SectionName}: 0 < ApplicationDegradedQueue <= ApplicationCriticalQueue is required.");
        }

        if (Window <= TimeSpan.Zero || PublisherStaleAfter <= TimeSpan.Zero || ApplicationStaleAfter <= TimeSpan.Zero)
        {
            failures.Add($"{SectionName}: Window, PublisherStaleAfter and ApplicationStaleAfter must be positive.");
        }

        return failures;
    }
}

/// <summary>
/// The health verdict of every component and the roll-up (issue 18 item 3). Roll-up rules, in order:
/// (1) the dashboard's own parts count as they are: the worst of them is a floor for the system;
/// (2) every model, or every application, down (at least one of them) makes the system down;
/// (3) some model or application down or critical makes the system critical;
/// (4) some degraded makes the system degraded. The first component at the resulting level is named as the rule.
/// </summary>
public sealed class SystemHealthEvaluator(SystemHealthOptions options, ModelHealthClassifier classifier)
{
    private readonly Lock _gate = new();
    private readonly Queue<(DateTimeOffset At, long Received, long Dropped)> _ingestion = new();

    /// <summary>Thresholds in force.</summary>
    public SystemHealthOptions Options { get; } = options;

    /// <summary>Classifies every component and rolls them up.</summary>
    public SystemHealthReport Evaluate(SystemHealthInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var components = new List<ComponentHealth>();
        if (inputs.Ingestion is { } ingestion)
        {
            components.Add(Ingestion(ingestion, inputs.Now));
        }

        if (inputs.Store is { } store)
        {
            components.Add(Store(store));
        }

        if (inputs.Evaluator is { } evaluator)
        {
            components.Add(Evaluator(evaluator, inputs.Now));
        }

        if (inputs.Publisher is { } publisher)
        {
            components.Add(Publisher(publisher, inputs.Now));
        }

        components.AddRange(inputs.Models.Select(m => new ComponentHealth(m.Name, HealthComponentKind.Model, m.Verdict.Status, m.Verdict.Reason)));
        components.AddRange(inputs.Applications.Select(a => Application(a, inputs.Now)));
        var ordered = components.OrderByDescending(c => c.Status).ThenBy(c => c.Kind).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
        var (status, rule) = RollUp(ordered);
        return new SystemHealthReport(status, rule, ordered);
    }

    /// <summary>The roll-up of classified components (rules in the class summary).</summary>
    public static (ModelHealthStatus Status, string Rule) RollUp(IReadOnlyList<ComponentHealth> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        var own = components.Where(c => c.Kind == HealthComponentKind.Dashboard).OrderByDescending(c => c.Status).FirstOrDefault();
        var status = own?.Status ?? ModelHealthStatus.Healthy;
        var rule = own is { Status: > ModelHealthStatus.Healthy } ? $"{own.Name} is {Name(own.Status)}: {own.Rule}" : "every component within its thresholds";

        foreach (var kind in new[] { HealthComponentKind.Model, HealthComponentKind.Application })
        {
            var all = components.Where(c => c.Kind == kind).ToList();
            if (all.Count > 0 && all.All(c => c.Status == ModelHealthStatus.Down) && status < ModelHealthStatus.Down)
            {
                status = ModelHealthStatus.Down;
                rule = $"every {KindName(kind)} is down ({all.Count}): {all[0].Name}: {all[0].Rule}";
            }
        }

        var external = components.Where(c => c.Kind != HealthComponentKind.Dashboard).OrderByDescending(c => c.Status).FirstOrDefault();
        if (external is not null && external.Status > ModelHealthStatus.Healthy)
        {
            var level = external.Status == ModelHealthStatus.Down ? ModelHealthStatus.Critical : external.Status;
            if (level > status)
            {
                status = level;
                rule = $"{KindName(external.Kind)} {external.Name} is {Name(external.Status)}: {external.Rule}";
            }
        }

        return (status, rule);
    }

    /// <summary>Wire name: healthy, degraded, critical, down.</summary>
    public static string Name(ModelHealthStatus status) => status.ToString().ToLowerInvariant();

    private static string KindName(HealthComponentKind kind) => kind == HealthComponentKind.Model ? "model" : "application";

    private ComponentHealth Ingestion(IngestionHealthInput input, DateTimeOffset now)
    {
        long received;
        long dropped;
        lock (_gate)
        {
            _ingestion.Enqueue((now, input.Received, input.Dropped));
            while (_ingestion.Count > 1 && _ingestion.Peek().At < now - Options.Window)
            {
                _ingestion.Dequeue();
            }

            var oldest = _ingestion.Peek();
            (received, dropped) = oldest.At == now && _ingestion.Count == 1 ? (input.Received, input.Dropped) : (input.Received - oldest.Received, input.Dropped - oldest.Dropped);
        }

        return IngestionVerdict(received, dropped);
    }

    /// <summary>Ingestion from drops over the window.</summary>
    public ComponentHealth IngestionVerdict(long received, long dropped)
    {
        const string name = "ingestion";
        if (received <= 0 || dropped <= 0)
        {
            return new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Healthy, $"no drops in the last {Format(Options.Window)}");
        }

        var ratio = Math.Min(1, (double)dropped / received);
        var text = $"{dropped.ToString(CultureInfo.InvariantCulture)} of {received.ToString(CultureInfo.InvariantCulture)} dropped in {Format(Options.Window)} ({Pct(ratio)}";
        return ratio >= Options.IngestionDownDropRatio ? new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Down, $"{text} ≥ {Pct(Options.IngestionDownDropRatio)})")
            : ratio >= Options.IngestionCriticalDropRatio ? new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Critical, $"{text} ≥ {Pct(Options.IngestionCriticalDropRatio)})")
            : ratio >= Options.IngestionDegradedDropRatio ? new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Degraded, $"{text} ≥ {Pct(Options.IngestionDegradedDropRatio)})")
            : new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Healthy, $"{text} < {Pct(Options.IngestionDegradedDropRatio)})");
    }

    private static ComponentHealth Store(StoreHealthInput input)
    {
        const string name = "store";
        if (input.LiteDbAvailable == false)
        {
            return new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Critical, "LiteDB could not be opened: rules, audit and users are unavailable");
        }

        return input.OperationStore switch
        {
            OperationStoreState.Degraded => new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Degraded, $"operation store degraded (ingestion goes on from memory): {input.Reason ?? "no reason given"}"),
            OperationStoreState.Starting => new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Degraded, "operation store still opening"),
            OperationStoreState.Disabled => new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Healthy, "operation store switched off by configuration"),
            _ => new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Healthy, "appending and answering"),
        };
    }

    private ComponentHealth Evaluator(EvaluatorHealthInput input, DateTimeOffset now)
    {
        const string name = "alert evaluator";
        if (input.LastEvaluation is not { } last)
        {
            return new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Healthy, "no evaluation yet (starting)");
        }

        var late = (now - last) / input.Interval;
        var text = $"last evaluation {Format(now - last)} ago, interval {Format(input.Interval)}";
        if (late >= Options.EvaluatorDownIntervals)
        {
            return new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Down, $"{text} (≥ {Options.EvaluatorDownIntervals.ToString(CultureInfo.InvariantCulture)} intervals)");
        }

        if (late >= Options.EvaluatorCriticalIntervals)
        {
            return new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Critical, $"{text} (≥ {Options.EvaluatorCriticalIntervals.ToString(CultureInfo.InvariantCulture)} intervals)");
        }

        return input.RuleErrors > 0
            ? new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Degraded, $"{input.RuleErrors.ToString(CultureInfo.InvariantCulture)} rule(s) failed to evaluate")
            : new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Healthy, text);
    }

    private ComponentHealth Publisher(PublisherHealthInput input, DateTimeOffset now)
    {
        const string name = "live publisher";
        if (!input.Running)
        {
            return new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Down, "not running: pages do not update live");
        }

        if (input.LastPublishedAt is { } last && now - last >= Options.PublisherStaleAfter)
        {
            return new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Critical, $"nothing published for {Format(now - last)} (≥ {Format(Options.PublisherStaleAfter)})");
        }

        return input.LastError is { } error
            ? new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Degraded, $"last tick failed: {error}")
            : new(name, HealthComponentKind.Dashboard, ModelHealthStatus.Healthy, "publishing");
    }

    /// <summary>An application: stale (down), then the worst of its calls (model thresholds), CPU and thread-pool queue.</summary>
    public ComponentHealth Application(ApplicationHealthInput a, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.LastSeen is not { } seen || now - seen >= Options.ApplicationStaleAfter)
        {
            return new(a.Name, HealthComponentKind.Application, ModelHealthStatus.Down,
                a.LastSeen is { } s ? $"no call and no metric for {Format(now - s)} (≥ {Format(Options.ApplicationStaleAfter)})" : "never seen");
        }

        var verdicts = new List<(ModelHealthStatus Status, string Rule)>();
        if (a.Requests > 0)
        {
            var calls = classifier.Classify(a.Requests, a.ErrorRate, a.P95Ms);
            verdicts.Add((calls.Status, "AI calls: " + calls.Reason));
        }

        if (a.CpuUtilization is { } cpu)
        {
            verdicts.Add(cpu >= Options.ApplicationCriticalCpu ? (ModelHealthStatus.Critical, $"CPU {Pct(cpu)} ≥ {Pct(Options.ApplicationCriticalCpu)}")
                : cpu >= Options.ApplicationDegradedCpu ? (ModelHealthStatus.Degraded, $"CPU {Pct(cpu)} ≥ {Pct(Options.ApplicationDegradedCpu)}")
                : (ModelHealthStatus.Healthy, $"CPU {Pct(cpu)}"));
        }

        if (a.QueueLength is { } queue)
        {
            var q = queue.ToString("0", CultureInfo.InvariantCulture);
            verdicts.Add(queue >= Options.ApplicationCriticalQueue ? (ModelHealthStatus.Critical, $"thread-pool queue {q} ≥ {Options.ApplicationCriticalQueue.ToString(CultureInfo.InvariantCulture)}")
                : queue >= Options.ApplicationDegradedQueue ? (ModelHealthStatus.Degraded, $"thread-pool queue {q} ≥ {Options.ApplicationDegradedQueue.ToString(CultureInfo.InvariantCulture)}")
                : (ModelHealthStatus.Healthy, $"thread-pool queue {q}"));
        }

        var worst = verdicts.OrderByDescending(v => v.Status).FirstOrDefault();
        return verdicts.Count == 0 || worst.Status == ModelHealthStatus.Healthy
            ? new(a.Name, HealthComponentKind.Application, ModelHealthStatus.Healthy, verdicts.Count == 0 ? "seen, no thresholds apply" : string.Join(" · ", verdicts.Select(v => v.Rule)))
            : new(a.Name, HealthComponentKind.Application, worst.Status, worst.Rule);
    }

    private static string Pct(double ratio) => (ratio * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static string Format(TimeSpan span) => span.TotalSeconds < 120
        ? span.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s"
        : span.TotalMinutes.ToString("0", CultureInfo.InvariantCulture) + " min";
}
