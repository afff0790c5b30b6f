using System.Collections.Concurrent;
using Conciergus.Core.Audit;
using Conciergus.Core.Experiments;
using Conciergus.Core.Model;
using Conciergus.Core.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Experiments;

/// <summary>An in-memory audit log: keeps what was appended, in order.</summary>
internal sealed class FakeAuditLog : IAuditLog
{
    private readonly ConcurrentQueue<AuditEvent> _events = new();
    private long _sequence;

    public IReadOnlyList<AuditEvent> Events => [.. _events];

    public ValueTask<AuditEntry> AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        _events.Enqueue(auditEvent);
        return ValueTask.FromResult(new AuditEntry
        {
            Sequence = Interlocked.Increment(ref _sequence),
            Timestamp = DateTimeOffset.UnixEpoch,
            Actor = auditEvent.Actor,
            Role = auditEvent.Role,
            Action = auditEvent.Action,
            Target = auditEvent.Target,
            Details = auditEvent.Details,
            PreviousHash = "",
            Hash = "",
        });
    }
}

/// <summary>A real experiment service on a temporary LiteDB file, a fake clock and a fake audit log.</summary>
internal sealed class ExperimentTestHost : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory;
    private ConciergusDatabase _database;
    private int _nextId;

    public ExperimentTestHost(int maxUsers = 100_000)
    {
        _directory = Path.Combine(Path.GetTempPath(), "conciergus-tests", "experiments-" + Guid.NewGuid().ToString("N"));
        Time = new FakeTimeProvider(Start);
        _database = Open();
        Outcomes = new ExperimentOutcomes(maxUsers);
        Service = new ExperimentService(_database, Outcomes, Time, [Audit]);
    }

    public FakeTimeProvider Time { get; }

    public FakeAuditLog Audit { get; } = new();

    public ExperimentOutcomes Outcomes { get; private set; }

    public ExperimentService Service { get; private set; }

    public static Actor Operator { get; } = new("olivia", "Operator", "127.0.0.1");

    /// <summary>Simulates a restart: writes tallies, reopens the database and builds a new service.</summary>
    public void Restart()
    {
        Service.FlushAll();
        _database.Dispose();
        _database = Open();
        Outcomes = new ExperimentOutcomes();
        Service = new ExperimentService(_database, Outcomes, Time, [Audit]);
    }

    public static ExperimentDefinition Definition(
        string key = "prompt-tone",
        double coverage = 1.0,
        string primary = ExperimentMetrics.SuccessRate,
        string[]? guardrails = null,
        int minimumSampleSize = 100,
        bool sequential = false,
        double[]? weights = null) => new()
        {
            Key = key,
            Name = "Friendlier system prompt",
            Type = ExperimentType.Prompt,
            Coverage = coverage,
            Variants =
            [
                new ExperimentVariantDefinition { Key = "control", Weight = weights?[0] ?? 0.5 },
                new ExperimentVariantDefinition { Key = "friendly", Weight = weights?[1] ?? 0.5, Overrides = new VariantOverrides { SystemPrompt = "You are warm and concise.", ModelId = "gpt-4o-mini" } },
            ],
            Targeting = new ExperimentTargeting { Applications = ["support-bot"] },
            PrimaryMetric = primary,
            GuardrailMetrics = guardrails ?? [],
            MinimumSampleSize = minimumSampleSize,
            Sequential = sequential,
            SignificanceLevel = 0.05,
        };

    /// <summary>Feeds an operation tagged with the experiment, as the middleware would after interception.</summary>
    public void Operation(string key, string variant, string userId, bool ok = true, double latencyMs = 200, decimal cost = 0.01m)
    {
        Outcomes.Accept(new AiOperation
        {
            OperationId = $"op-{Interlocked.Increment(ref _nextId)}",
            StartTime = Time.GetUtcNow(),
            DurationMs = latencyMs,
            RequestModel = "gpt-4o",
            InputTokens = 100,
            OutputTokens = 50,
            CostUsd = cost,
            Status = ok ? AiOperationStatus.Ok : AiOperationStatus.Error,
            UserId = userId,
            Application = "support-bot",
            ExperimentKey = key,
            ExperimentVariant = variant,
        });
    }

    private ConciergusDatabase Open() =>
        new(new DataDirectory(Microsoft.Extensions.Options.Options.Create(new ConciergusOptions { DataDirectory = _directory }), Path.GetTempPath()));

    public void Dispose()
    {
        _database.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
