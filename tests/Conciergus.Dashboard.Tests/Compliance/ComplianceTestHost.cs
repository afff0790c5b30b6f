using Conciergus.Core.Audit;
using Conciergus.Core.Collector;
using Conciergus.Core.Compliance;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Pricing;
using Conciergus.Core.Storage;
using Conciergus.Core.TimeSeries;
using LiteDB;
using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Conciergus.Dashboard.Tests.Compliance;

/// <summary>
/// The compliance feature on a temp data directory with the real audit log, decision log, consent store, request
/// workflow, retention and a real collector feeding them; only time and pricing/categorising are fakes.
/// </summary>
internal sealed class ComplianceTestHost : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private ConciergusDatabase _database = null!;

    /// <summary>The key the database file is encrypted with (none by default).</summary>
    public StorageEncryption Encryption { get; set; } = StorageEncryption.None;
    private int _nextId;

    public ComplianceTestHost(bool recordDecisions = true, int checkpointInterval = 10_000, int queueCapacity = 100_000, int batchSize = 2_000,
        bool requireConsent = false, string framework = RetentionPresets.Gdpr, DateTimeOffset? start = null)
    {
        DataPath = Path.Combine(Path.GetTempPath(), "conciergus-tests", "compliance-" + Guid.NewGuid().ToString("N"));
        Time = new FakeTimeProvider(start ?? Start);
        Options = new ComplianceOptions
        {
            RecordAiDecisions = recordDecisions,
            DecisionCheckpointInterval = checkpointInterval,
            DecisionQueueCapacity = queueCapacity,
            DecisionBatchSize = batchSize,
            RequireConsent = requireConsent,
            Framework = framework,
        };
        DataDirectory = new DataDirectory(MsOptions.Create(new ConciergusOptions { DataDirectory = DataPath }), DataPath);
        Open();
    }

    public string DataPath { get; }

    public FakeTimeProvider Time { get; }

    public ComplianceOptions Options { get; }

    public DataDirectory DataDirectory { get; }

    /// <summary>Archival before purge (off unless <see cref="ComplianceOptions.ArchiveDirectory"/> is set before <see cref="Open"/>).</summary>
    public RetentionArchive Archive { get; private set; } = null!;

    public AuditKey Key { get; private set; } = null!;

    public AuditLog Audit { get; private set; } = null!;

    public RetentionPolicyStore Policies { get; private set; } = null!;

    public DecisionSubjects Subjects { get; private set; } = null!;

    public DecisionLog Decisions { get; private set; } = null!;

    public ConsentStore Consent { get; private set; } = null!;

    public SubjectPseudonymizer Pseudonymizer { get; private set; } = null!;

    public SubjectRequestWorkflow Requests { get; private set; } = null!;

    /// <summary>Export and erasure across the consent, decision and ledger stores.</summary>
    public SubjectRequests Subjects2 { get; private set; } = null!;

    public ComplianceRetention Retention { get; private set; } = null!;

    public ComplianceReportBuilder Reports { get; private set; } = null!;

    /// <summary>Content capture off (the default), on this host's clock: what the violations read for "content captured".</summary>
    public ContentCapturePolicy Content { get; private set; } = null!;

    public ComplianceViolations Violations { get; private set; } = null!;

    public TimeSeriesCache Cache { get; private set; } = null!;

    public UserCostLedger Ledger { get; private set; } = null!;

    public AiOperationCollector Collector { get; private set; } = null!;

    public ConciergusDatabase Database => _database;

    public string DatabaseFile => Path.Combine(DataPath, ConciergusDatabase.FileName);

    /// <summary>Stops everything (shutdown checkpoints) and opens it again on the same files.</summary>
    public async Task RestartAsync()
    {
        await CloseAsync();
        Open();
    }

    /// <summary>Stops the logs and closes the database file (for tampering tests), without reopening.</summary>
    public async Task CloseAsync()
    {
        await Decisions.ShutdownAsync();
        await Audit.ShutdownAsync();
        Retention.Dispose();
        _database.Dispose();
    }

    /// <summary>Edits the closed database file directly, as an attacker with file access would.</summary>
    public void Tamper(Action<LiteDatabase> edit)
    {
        using var db = new LiteDatabase(new ConnectionString { Filename = DatabaseFile, Connection = ConnectionType.Direct });
        edit(db);
        db.Checkpoint();
    }

    public void Open()
    {
        var auditOptions = MsOptions.Create(new AuditOptions());
        var options = MsOptions.Create(Options);
        _database = new ConciergusDatabase(DataDirectory, encryption: Encryption);
        Key = new AuditKey(auditOptions, DataDirectory);
        Policies = new RetentionPolicyStore(_database, options);
        Archive = new RetentionArchive(Options.ArchiveDirectory);
        Audit = new AuditLog(_database, new AuditCheckpointFile(Key, DataDirectory), auditOptions, Time, null, Policies, Archive);
        Subjects = new DecisionSubjects(_database, Key);
        Decisions = new DecisionLog(_database, Key, DataDirectory, Subjects, options, Time);
        Pseudonymizer = new SubjectPseudonymizer(Key);
        Consent = new ConsentStore(_database, Audit, Pseudonymizer, options, Time);
        var recorder = new AuditRecorder(Audit);
        var timeSeriesOptions = new TimeSeriesOptions();
        Ledger = new UserCostLedger(timeSeriesOptions, Time);
        Subjects2 = new SubjectRequests([Consent, new DecisionSubjectStore(Decisions, Subjects), new UserCostSubjectStore(Ledger)], recorder, Pseudonymizer, Time);
        Requests = new SubjectRequestWorkflow(_database, recorder, Pseudonymizer, Time, Subjects2, Consent, Subjects, Policies, options);
        Retention = new ComplianceRetention(Audit, Decisions, Requests, Policies, Time, NullLogger<ComplianceRetention>.Instance, archive: Archive);
        Reports = new ComplianceReportBuilder(Audit, Decisions, Policies, Retention, Consent, Requests, options, Time);
        var redaction = new ServiceCollection();
        redaction.AddRedaction(b => b.SetRedactor<ContentRedactor>(new DataClassificationSet(ConciergusClassifications.Content)));
        var redactors = redaction.BuildServiceProvider().GetRequiredService<IRedactorProvider>();
        Content = new ContentCapturePolicy(MsOptions.Create(new PrivacyOptions()), redactors, Time);
        Violations = new ComplianceViolations(Audit, Decisions, Requests, Retention, Consent, options, Time, Content);
        Cache = new TimeSeriesCache(timeSeriesOptions, Time);
        Collector = new AiOperationCollector(Cache, Ledger, new RecentErrors(), new ProvidedCost(), new UnknownCategorizer(), [Decisions], Time,
            [new ConsentOperationPreprocessor(Consent)]);
    }

    public AiOperation Operation(string? userId = "user-1", string application = "support-bot", string? functionId = "answer",
        bool error = false, IReadOnlyDictionary<string, string>? metadata = null, string? experimentKey = null, string? variant = null) => new()
        {
            OperationId = $"op-{Interlocked.Increment(ref _nextId)}",
            TraceId = "0af7651916cd43dd8448eb211c80319c",
            StartTime = Time.GetUtcNow(),
            DurationMs = 120,
            Provider = "openai",
            RequestModel = "gpt-4o",
            ResponseModel = "gpt-4o-2024-08-06",
            InputTokens = 100,
            OutputTokens = 40,
            CostUsd = 0.001m,
            Pricing = PricingStatus.Provided,
            Status = error ? AiOperationStatus.Error : AiOperationStatus.Ok,
            ErrorCategory = error ? ErrorCategory.RateLimit : ErrorCategory.None,
            Application = application,
            FunctionId = functionId,
            UserId = userId,
            SessionId = userId is null ? null : "session-" + userId,
            Metadata = metadata,
            ExperimentKey = experimentKey,
            ExperimentVariant = variant,
        };

    /// <summary>Records <paramref name="count"/> operations through the collector and waits until the writer has them.</summary>
    public async Task RecordAsync(int count, string? userId = "user-1")
    {
        for (var i = 0; i < count; i++)
        {
            Collector.Record(Operation(userId));
        }

        await Decisions.WaitForDrainAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CloseAsync();
        }
        catch (ObjectDisposedException)
        {
        }

        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private sealed class ProvidedCost : ICostCalculator
    {
        public CostResult Calculate(AiOperation operation) => new(PricingStatus.Provided, operation.CostUsd, null);
    }

    private sealed class UnknownCategorizer : IErrorCategorizer
    {
        public ErrorCategory Categorize(ErrorDetails? details, Exception? exception = null, string? provider = null) => ErrorCategory.Unknown;
    }
}
