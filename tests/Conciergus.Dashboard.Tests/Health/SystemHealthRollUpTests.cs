using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Health;
using Conciergus.Core.Operations;
using Conciergus.Dashboard.Tests.Alerts;
using Conciergus.Dashboard.Tests.Endpoints;

namespace Conciergus.Dashboard.Tests.Health;

public sealed class SystemHealthRollUpTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static SystemHealthEvaluator Evaluator(SystemHealthOptions? options = null) =>
        new(options ?? new SystemHealthOptions(), new ModelHealthClassifier(new ModelHealthOptions()));

    private static ComponentHealth C(string name, HealthComponentKind kind, ModelHealthStatus status) => new(name, kind, status, name + " rule");

    public static TheoryData<ModelHealthStatus[], ModelHealthStatus[], ModelHealthStatus[], ModelHealthStatus, string> RollUps => new()
    {
        // dashboard parts, models, applications -> roll-up, the component the rule names
        { [ModelHealthStatus.Healthy], [ModelHealthStatus.Healthy], [], ModelHealthStatus.Healthy, "every component" },
        { [ModelHealthStatus.Healthy], [ModelHealthStatus.Healthy, ModelHealthStatus.Degraded], [], ModelHealthStatus.Degraded, "model m1" },
        // One model down of two: critical, not down (the others still answer).
        { [ModelHealthStatus.Healthy], [ModelHealthStatus.Down, ModelHealthStatus.Healthy], [], ModelHealthStatus.Critical, "model m0 is down" },
        // Every model down: the system is down.
        { [ModelHealthStatus.Healthy], [ModelHealthStatus.Down, ModelHealthStatus.Down], [], ModelHealthStatus.Down, "every model is down" },
        { [ModelHealthStatus.Healthy], [ModelHealthStatus.Healthy], [ModelHealthStatus.Down], ModelHealthStatus.Down, "every application is down" },
        // A dashboard part counts as it is: its status is a floor.
        { [ModelHealthStatus.Down, ModelHealthStatus.Healthy], [ModelHealthStatus.Healthy], [], ModelHealthStatus.Down, "d0 is down" },
        { [ModelHealthStatus.Degraded], [ModelHealthStatus.Critical], [], ModelHealthStatus.Critical, "model m0 is critical" },
        { [ModelHealthStatus.Critical], [ModelHealthStatus.Degraded], [ModelHealthStatus.Healthy], ModelHealthStatus.Critical, "d0 is critical" },
        { [], [], [], ModelHealthStatus.Healthy, "every component" },
    };

    [Theory]
    [MemberData(nameof(RollUps))]
    public void RollUp_Table_WorstWithModelAndApplicationRules(ModelHealthStatus[] own, ModelHealthStatus[] models, ModelHealthStatus[] apps, ModelHealthStatus expected, string rule)
    {
        var components = own.Select((s, i) => C("d" + i, HealthComponentKind.Dashboard, s))
            .Concat(models.Select((s, i) => C("m" + i, HealthComponentKind.Model, s)))
            .Concat(apps.Select((s, i) => C("a" + i, HealthComponentKind.Application, s)))
            .ToList();

        var (status, why) = SystemHealthEvaluator.RollUp(components);

        Assert.Equal(expected, status);
        Assert.StartsWith(rule, why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1000, 0, ModelHealthStatus.Healthy)]
    [InlineData(1000, 1, ModelHealthStatus.Degraded)]     // 0.1% >= 0.1%
    [InlineData(1000, 50, ModelHealthStatus.Critical)]    // 5%
    [InlineData(1000, 950, ModelHealthStatus.Down)]       // 95%
    [InlineData(100_000, 1, ModelHealthStatus.Healthy)]   // 0.001% < 0.1%
    public void IngestionVerdict_DropRatio_Thresholds(long received, long dropped, ModelHealthStatus expected)
    {
        Assert.Equal(expected, Evaluator().IngestionVerdict(received, dropped).Status);
    }

    [Fact]
    public void Evaluate_IngestionCountsOnlyDropsInsideTheWindow()
    {
        var evaluator = Evaluator(new SystemHealthOptions { Window = TimeSpan.FromMinutes(5) });
        var early = evaluator.Evaluate(new SystemHealthInputs { Now = Now, Ingestion = new(1000, 100) });
        Assert.Equal(ModelHealthStatus.Critical, Single(early, "ingestion").Status);

        // Ten minutes later 1000 more arrived without a drop: the old drops left the window.
        evaluator.Evaluate(new SystemHealthInputs { Now = Now.AddMinutes(6), Ingestion = new(1500, 100) });
        var later = evaluator.Evaluate(new SystemHealthInputs { Now = Now.AddMinutes(10), Ingestion = new(2000, 100) });
        Assert.Equal(ModelHealthStatus.Healthy, Single(later, "ingestion").Status);
    }

    [Fact]
    public void Evaluate_DashboardParts_RulesNamedAndThresholdsFromOptions()
    {
        var report = Evaluator().Evaluate(new SystemHealthInputs
        {
            Now = Now,
            Store = new StoreHealthInput(OperationStoreState.Degraded, "disk full", true),
            Evaluator = new EvaluatorHealthInput(Now.AddSeconds(-45), TimeSpan.FromSeconds(10), 0),
            Publisher = new PublisherHealthInput(false, Now, null),
        });

        Assert.Equal(ModelHealthStatus.Degraded, Single(report, "store").Status);
        Assert.Contains("disk full", Single(report, "store").Rule, StringComparison.Ordinal);
        Assert.Equal(ModelHealthStatus.Critical, Single(report, "alert evaluator").Status); // 4.5 intervals >= 3
        Assert.Equal(ModelHealthStatus.Down, Single(report, "live publisher").Status);
        Assert.Equal(ModelHealthStatus.Down, report.Status);
        Assert.StartsWith("live publisher is down", report.Rule, StringComparison.Ordinal);
        Assert.Equal("live publisher", report.Components[0].Name); // worst first
    }

    [Theory]
    [InlineData(0.5, 10.0, 0, ModelHealthStatus.Healthy)]
    [InlineData(0.9, 10.0, 0, ModelHealthStatus.Degraded)]
    [InlineData(0.5, 1500.0, 0, ModelHealthStatus.Critical)]
    [InlineData(0.5, 10.0, 0.3, ModelHealthStatus.Critical)] // AI calls: error rate 30% >= 25%
    public void Application_CpuQueueAndCalls_WorstDecides(double cpu, double queue, double errorRate, ModelHealthStatus expected)
    {
        var verdict = Evaluator().Application(new ApplicationHealthInput("api", 100, errorRate, 200, Now.AddSeconds(-5), cpu, queue), Now);

        Assert.Equal(expected, verdict.Status);
    }

    [Fact]
    public void Application_SilentLongerThanStaleAfter_Down()
    {
        var verdict = Evaluator().Application(new ApplicationHealthInput("api", 0, 0, null, Now.AddMinutes(-6), null, null), Now);

        Assert.Equal(ModelHealthStatus.Down, verdict.Status);
        Assert.Contains("no call and no metric", verdict.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_Anonymous_VerdictWithDashboardPartsOnly()
    {
        using var factory = new ConciergusAppFactory();
        using var client = factory.CreateClient();
        await factory.IngestAsync(factory.Time.GetUtcNow());

        var health = await client.GetFromJsonAsync<JsonElement>("/healthz");

        var verdict = health.GetProperty("verdict");
        Assert.Contains(verdict.GetProperty("status").GetString(), new[] { "healthy", "degraded", "critical", "down" });
        var kinds = verdict.GetProperty("components").EnumerateArray().Select(c => c.GetProperty("kind").GetString()).ToList();
        Assert.Contains("dashboard", kinds);
        Assert.DoesNotContain("model", kinds);
        Assert.Contains(verdict.GetProperty("components").EnumerateArray(), c => c.GetProperty("name").GetString() == "ingestion");
    }

    private static ComponentHealth Single(SystemHealthReport report, string name) => Assert.Single(report.Components, c => c.Name == name);
}
