using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;
using Conciergus.Core.Experiments;
using Conciergus.Core.Telemetry;
using Conciergus.Core.TimeSeries;
using Microsoft.Extensions.AI;

namespace Conciergus.Dashboard.Tests.Compliance;

public sealed class ConsentTests
{
    private static readonly Actor Operator = new("olivia", "Operator");

    private static ExperimentDefinition Definition() => new()
    {
        Key = "prompt-tone",
        Name = "Friendlier system prompt",
        Type = ExperimentType.Prompt,
        Coverage = 1.0,
        Variants =
        [
            new ExperimentVariantDefinition { Key = "control", Weight = 0.0001 },
            new ExperimentVariantDefinition { Key = "friendly", Weight = 0.9999, Overrides = new VariantOverrides { SystemPrompt = "Be warm." } },
        ],
        PrimaryMetric = ExperimentMetrics.SuccessRate,
        MinimumSampleSize = 100,
        SignificanceLevel = 0.05,
    };

    private static async Task<(ExperimentService Service, ExperimentOutcomes Outcomes)> RunningExperimentAsync(ComplianceTestHost host)
    {
        var outcomes = new ExperimentOutcomes(1000);
        var service = new ExperimentService(host.Database, outcomes, host.Time, [host.Audit], null, host.Consent);
        await service.CreateAsync(Definition(), Operator);
        await service.StartAsync("prompt-tone", Operator);
        return (service, outcomes);
    }

    [Fact]
    public async Task Assign_NoExperimentationConsent_ServedControlAndNotCounted()
    {
        await using var host = new ComplianceTestHost();
        var (service, outcomes) = await RunningExperimentAsync(host);
        await host.Consent.SetAsync("refuser", analytics: true, experimentation: false, "api", "Ingestion", null, host.Time.GetUtcNow());

        var refused = service.Assign("prompt-tone", "refuser");
        var consenting = service.Assign("prompt-tone", "consenter");
        var eventResult = await service.TrackEventAsync("prompt-tone", "refuser", "conversion");
        var interception = await new ExperimentInterceptor(service).InterceptAsync(
            new ChatRequestContext { Messages = [new ChatMessage(ChatRole.User, "hi")], Options = null, Provider = "openai", RequestModel = "gpt-4o", UserId = "refuser", Application = "support-bot" },
            CancellationToken.None);

        Assert.False(refused.InExperiment);
        Assert.Null(refused.Variant);
        Assert.False(eventResult.InExperiment);
        Assert.Null(interception); // the request goes out unchanged: control
        Assert.True(consenting.InExperiment);
        Assert.Equal("friendly", consenting.Variant);
        Assert.Equal(0, outcomes.Get("prompt-tone")!.UserCounts().Values.Sum());
    }

    [Fact]
    public async Task Record_NoAnalyticsConsent_AggregatedWithoutUserId()
    {
        await using var host = new ComplianceTestHost();
        await host.Consent.SetAsync("private-user", analytics: false, experimentation: true, "api", "Ingestion", null, host.Time.GetUtcNow());

        await host.RecordAsync(3, "private-user");
        await host.RecordAsync(2, "open-user");

        Assert.Empty(host.Ledger.ExportUser("private-user"));
        Assert.NotEmpty(host.Ledger.ExportUser("open-user"));
        var total = host.Cache.Aggregate(SeriesKey.Total, ComplianceTestHost.Start.AddMinutes(-1), ComplianceTestHost.Start.AddMinutes(1));
        Assert.Equal(5, total.Requests); // still counted in aggregates
        Assert.Equal(0, host.Decisions.Search("private-user", null, null).Total); // no user reference in the decision records either
        Assert.Equal(5, host.Decisions.Search(null, null, null).Total);
    }

    [Fact]
    public async Task Record_NoExperimentationConsent_ExperimentTagsRemoved()
    {
        await using var host = new ComplianceTestHost();
        await host.Consent.SetAsync("refuser", analytics: true, experimentation: false, "api", "Ingestion", null, host.Time.GetUtcNow());
        var preprocessor = new ConsentOperationPreprocessor(host.Consent);
        var tagged = host.Operation("refuser", experimentKey: "prompt-tone", variant: "friendly");

        var processed = preprocessor.Process(tagged);

        Assert.Null(processed.ExperimentKey);
        Assert.Null(processed.ExperimentVariant);
        Assert.Equal("refuser", processed.UserId);
    }

    [Fact]
    public async Task Process_ConsentGranted_SameInstance()
    {
        await using var host = new ComplianceTestHost();
        var preprocessor = new ConsentOperationPreprocessor(host.Consent);
        var operation = host.Operation("someone", experimentKey: "prompt-tone", variant: "friendly");

        Assert.Same(operation, preprocessor.Process(operation));
    }

    [Fact]
    public async Task Allows_RequireConsentAndNoRecord_Refused()
    {
        await using var host = new ComplianceTestHost(requireConsent: true);
        await host.Consent.SetAsync("granted", analytics: true, experimentation: true, "api", "Ingestion", null, host.Time.GetUtcNow());

        Assert.False(host.Consent.Allows("unknown", ConsentPurposes.Analytics));
        Assert.False(host.Consent.Allows("unknown", ConsentPurposes.Experimentation));
        Assert.True(host.Consent.Allows("granted", ConsentPurposes.Analytics | ConsentPurposes.Experimentation));
    }

    [Fact]
    public async Task SetAsync_Change_AuditedByPseudonymAndPersisted()
    {
        await using var host = new ComplianceTestHost();

        await host.Consent.SetAsync("alice@example.com", analytics: false, experimentation: true, "api", "Ingestion", "10.0.0.9", host.Time.GetUtcNow());
        await host.RestartAsync();

        var entry = Assert.Single(host.Audit.Query(new AuditQuery { Action = ConsentStore.UpdateAction }).Entries);
        Assert.Equal(host.Pseudonymizer.Pseudonym("alice@example.com"), entry.Target);
        Assert.Equal("refused", entry.Details!["analytics"]);
        Assert.Equal("granted", entry.Details["experimentation"]);
        Assert.DoesNotContain("alice", entry.Target!, StringComparison.Ordinal);
        Assert.False(host.Consent.Allows("alice@example.com", ConsentPurposes.Analytics)); // reloaded from LiteDB
        Assert.True((await host.Audit.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task EraseAsync_RemovesTheRecord_DefaultApplies()
    {
        await using var host = new ComplianceTestHost();
        await host.Consent.SetAsync("alice", analytics: false, experimentation: false, "api", "Ingestion", null, host.Time.GetUtcNow());

        Assert.Equal(1, await host.Consent.EraseAsync("alice"));

        Assert.Null(host.Consent.Get("alice"));
        Assert.True(host.Consent.Allows("alice", ConsentPurposes.Analytics));
    }
}
