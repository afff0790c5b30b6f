using AngleSharp.Dom;
using Bunit;
using Conciergus.Core.Experiments;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Tests.Components;
using Conciergus.Dashboard.Tests.Live;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using ExperimentsPage = Conciergus.Dashboard.Components.Pages.Experiments;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Experiments;

public sealed class ExperimentPagesTests : DashboardTestContext
{
    private readonly ExperimentTestHost _experiments = new();
    private readonly LiveTestHost _live = new(start: ExperimentTestHost.Start);

    public ExperimentPagesTests()
    {
        Services.AddSingleton(_experiments.Service);
        Services.AddSingleton(_live.Publisher);
        Services.AddSingleton(_live.Cache);
        Services.AddSingleton<TimeProvider>(_live.Time);
        _charts = JSInterop.SetupModule(LiveLineChart.ModulePath);
        _charts.Setup<string?>("createChart", _ => true).SetResult("chart-1");
        _charts.Setup<int>("appendPoints", _ => true).SetResult(0);
        _charts.SetupVoid("destroy", _ => true).SetVoidResult();
    }

    private readonly BunitJSModuleInterop _charts;

    private ExperimentService Service => _experiments.Service;

    [Fact]
    public void List_NoExperiments_ShowsEmptyState()
    {
        var cut = Render<ExperimentsPage>();

        Assert.NotNull(cut.Find("[data-testid=experiments-empty]"));
    }

    [Fact]
    public async Task List_RunningAndDraft_GroupsByStateWithSampleCounts()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        await Service.CreateAsync(ExperimentTestHost.Definition(key: "model-swap"), Actor.System);
        _experiments.Operation("prompt-tone", "control", "u1");
        _experiments.Operation("prompt-tone", "friendly", "u2");
        _experiments.Operation("prompt-tone", "friendly", "u3");

        var cut = Render<ExperimentsPage>();

        Assert.Contains("Running (1)", cut.Find("[data-testid=experiments-group-running]").TextContent, StringComparison.Ordinal);
        Assert.Contains("Drafts (1)", cut.Find("[data-testid=experiments-group-draft]").TextContent, StringComparison.Ordinal);
        Assert.Equal("control 1 · friendly 2", cut.Find("[data-testid=experiment-samples-prompt-tone]").TextContent.Trim());
        Assert.Equal("not started", cut.Find("[data-testid=experiment-samples-model-swap]").TextContent.Trim());
    }

    [Fact]
    public async Task List_NewOutcomesAndPublisherTick_UpdatesCountsLive()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        await _live.StartAsync();
        var cut = Render<ExperimentsPage>();
        Assert.Equal("control 0 · friendly 0", cut.Find("[data-testid=experiment-samples-prompt-tone]").TextContent.Trim());

        _experiments.Operation("prompt-tone", "control", "u1");
        _live.Record(); // something to publish
        _live.Tick();

        cut.WaitForAssertion(() => Assert.Equal("control 1 · friendly 0", cut.Find("[data-testid=experiment-samples-prompt-tone]").TextContent.Trim()));
    }

    [Fact]
    public async Task Detail_RunningWithWinner_ShowsRecommendationTableAndLift()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(minimumSampleSize: 20, guardrails: ["latency"]), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        for (var i = 0; i < 300; i++)
        {
            var user = $"user-{i}";
            var variant = Service.Assign("prompt-tone", user).Variant!;
            _experiments.Operation("prompt-tone", variant, user, ok: variant == "friendly" || i % 3 != 0, latencyMs: 200 + (i % 5));
        }

        var cut = Render<ExperimentDetail>(p => p.Add(x => x.Key, "prompt-tone"));

        Assert.Equal("running", cut.Find("[data-testid=experiment-state]").TextContent.Trim());
        Assert.Contains("Stop: we have a winner.", cut.Find("[data-testid=recommendation]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid=row-friendly-success_rate]"));
        Assert.NotNull(cut.Find("[data-testid=row-friendly-latency]"));
        Assert.Contains("better", cut.Find("[data-testid=lift-friendly] .lift-point").ClassList);
        Assert.Contains("ok", cut.Find("[data-testid=kpi-srm]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detail_Results_MetricsAsRowsVariantsAsColumnsWithVerdictsInWords()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(minimumSampleSize: 20, guardrails: ["latency"]), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        for (var i = 0; i < 300; i++)
        {
            var user = $"user-{i}";
            var variant = Service.Assign("prompt-tone", user).Variant!;
            _experiments.Operation("prompt-tone", variant, user, ok: variant == "friendly" || i % 3 != 0, latencyMs: 200 + (i % 5));
        }

        var cut = Render<ExperimentDetail>(p => p.Add(x => x.Key, "prompt-tone"));

        // Columns: control first, then the variant; rows: the primary metric, then the guardrail, flagged.
        var headers = cut.FindAll("[data-testid=results-table] thead th").Select(h => h.TextContent.Trim()).ToList();
        Assert.Equal(["Metric", "control (baseline)", "friendly"], headers);
        var rows = cut.FindAll("[data-testid=results-table] tbody tr").Select(r => r.GetAttribute("data-testid")).ToList();
        Assert.Equal(["result-success_rate", "result-latency"], rows);
        Assert.Equal("true", cut.Find("[data-testid=result-latency]").GetAttribute("data-guardrail"));
        Assert.Contains("guardrail", cut.Find("[data-testid=tag-guardrail-latency]").TextContent, StringComparison.Ordinal);
        Assert.Contains("primary", cut.Find("[data-testid=tag-primary-success_rate]").TextContent, StringComparison.Ordinal);

        // friendly never fails, control fails one call in three: better, in words as well as colour, and p < 0.001.
        var cell = cut.Find("[data-testid=cell-friendly-success_rate]");
        Assert.Equal("better", cell.GetAttribute("data-verdict"));
        Assert.Contains("better", cell.QuerySelector(".verdict-text")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("p < 0.001", cell.TextContent, StringComparison.Ordinal);
        Assert.Contains("100%", cell.TextContent, StringComparison.Ordinal);
        Assert.Contains("higher is better", cut.Find("[data-testid=result-success_rate]").TextContent, StringComparison.Ordinal);
        Assert.Contains("lower is better", cut.Find("[data-testid=result-latency]").TextContent, StringComparison.Ordinal);

        // Same latencies on both sides: no verdict, said so.
        Assert.Equal("neutral", cut.Find("[data-testid=cell-friendly-latency]").GetAttribute("data-verdict"));
        Assert.Contains("no significant change", cut.Find("[data-testid=cell-friendly-latency]").TextContent, StringComparison.Ordinal);

        // The lift label is whole (no ellipsis on the figures) and says the verdict too.
        Assert.Contains("better", cut.Find("[data-testid=lift-friendly] .lift-value").TextContent, StringComparison.Ordinal);

        // Hash version and seed are folded away; coverage reads as a percentage.
        Assert.Contains("Hash version 2", cut.Find("[data-testid=advanced-settings]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("hash v", cut.Find(".experiment-header").TextContent, StringComparison.Ordinal);
        Assert.Contains("coverage 100%", cut.Find(".experiment-header").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detail_StopWithConfirmation_CompletesWithWinnerAndAudits()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        var cut = Render<ExperimentDetail>(p => p.Add(x => x.Key, "prompt-tone"));

        cut.Find("[data-testid=action-stop]").Click();
        Assert.Equal(ExperimentState.Running, Service.Get("prompt-tone")!.State); // nothing happens before confirming
        Assert.Contains("This is final", cut.Find("[data-testid=confirm-panel]").TextContent, StringComparison.Ordinal);
        cut.Find("[data-testid=confirm-yes]").Click();

        Assert.Equal(ExperimentState.Completed, Service.Get("prompt-tone")!.State);
        cut.WaitForAssertion(() => Assert.Equal("completed", cut.Find("[data-testid=experiment-state]").TextContent.Trim()));
        Assert.Equal("experiment.stop", _experiments.Audit.Events[^1].Action);
    }

    [Fact]
    public async Task Detail_PauseThenBack_DoesNothing()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        var cut = Render<ExperimentDetail>(p => p.Add(x => x.Key, "prompt-tone"));

        cut.Find("[data-testid=action-pause]").Click();
        cut.Find("[data-testid=confirm-no]").Click();

        Assert.Empty(cut.FindAll("[data-testid=confirm-panel]"));
        Assert.Equal(ExperimentState.Running, Service.Get("prompt-tone")!.State);
    }

    [Fact]
    public async Task Detail_ViewerSignedIn_SeesNoLifecycleButtons()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        Services.AddAuthenticationCore(); // sign-in configured
        var auth = AddAuthorization();
        auth.SetAuthorized("victor");
        auth.SetRoles("Viewer");

        var cut = Render<ExperimentDetail>(p => p.Add(x => x.Key, "prompt-tone"));

        Assert.Empty(cut.FindAll("[data-testid=experiment-actions]"));
    }

    [Fact]
    public async Task Detail_OperatorSignedIn_StartIsAuditedUnderTheirName()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        Services.AddAuthenticationCore(); // sign-in configured
        var auth = AddAuthorization();
        auth.SetAuthorized("olivia");
        auth.SetRoles("Operator");
        var cut = Render<ExperimentDetail>(p => p.Add(x => x.Key, "prompt-tone"));

        cut.Find("[data-testid=action-start]").Click();
        cut.Find("[data-testid=confirm-yes]").Click();

        cut.WaitForAssertion(() => Assert.Equal(ExperimentState.Running, Service.Get("prompt-tone")!.State));
        var audit = _experiments.Audit.Events[^1];
        Assert.Equal(("experiment.start", "olivia", "Operator"), (audit.Action, audit.Actor, audit.Role));
    }

    [Fact]
    public async Task Detail_TaggedOperationsInTheCache_SendsCumulativeSuccessRatePerVariant()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        var page = Render<ExperimentDetail>(p => p.Add(x => x.Key, "prompt-tone")).Instance;
        // Second 1: control 2 ok; friendly 1 ok + 1 failed. Second 2: control 1 failed.
        RecordTagged("control", ok: true);
        RecordTagged("control", ok: true);
        RecordTagged("friendly", ok: true);
        RecordTagged("friendly", ok: false);
        _live.Time.Advance(TimeSpan.FromSeconds(1));
        RecordTagged("control", ok: false);
        _live.Time.Advance(TimeSpan.FromSeconds(1));

        var points = page.CumulativePoints(Service.Get("prompt-tone")!, ExperimentTestHost.Start, _live.Time.GetUtcNow(), _live.Time.GetUtcNow());

        // Cumulative success in percent at the end of each completed second: control 100 then 2/3; friendly 50 then 50.
        Assert.Equal([100, 200 / 3.0], points[0].Select(p => p.Value!.Value).ToArray(), new ToleranceComparer());
        Assert.Equal([50, 50], points[1].Select(p => p.Value!.Value).ToArray(), new ToleranceComparer());
    }

    [Fact]
    public async Task Detail_FirstRender_AppendsCumulativePointsToTheChart()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        RecordTagged("control", ok: true);
        _live.Time.Advance(TimeSpan.FromSeconds(2));

        Render<ExperimentDetail>(p => p.Add(x => x.Key, "prompt-tone"));

        Assert.NotEmpty(_charts.Invocations["appendPoints"]);
    }

    private void RecordTagged(string variant, bool ok) => _live.Collector.Record(new Conciergus.Core.Model.AiOperation
    {
        OperationId = Guid.NewGuid().ToString("N"),
        StartTime = _live.Time.GetUtcNow().AddMilliseconds(-100),
        DurationMs = 100,
        RequestModel = "gpt-4o",
        CostUsd = 0.01m,
        Pricing = Conciergus.Core.Model.PricingStatus.Provided,
        Status = ok ? Conciergus.Core.Model.AiOperationStatus.Ok : Conciergus.Core.Model.AiOperationStatus.Error,
        ErrorCategory = ok ? Conciergus.Core.Model.ErrorCategory.None : Conciergus.Core.Model.ErrorCategory.RateLimit,
        UserId = "u-" + variant,
        Application = "support-bot",
        ExperimentKey = "prompt-tone",
        ExperimentVariant = variant,
    });

    private sealed class ToleranceComparer : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) < 1e-9;

        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public void Detail_UnknownKey_ShowsNotFound()
    {
        var cut = Render<ExperimentDetail>(p => p.Add(x => x.Key, "nope"));

        Assert.NotNull(cut.Find("[data-testid=experiment-not-found]"));
    }

    [Fact]
    public void Edit_WeightsNotSummingToOne_ShowsErrorAndCreatesNothing()
    {
        var cut = Render<ExperimentEdit>();

        Set(cut, "field-key", "tone-test");
        Set(cut, "variant-0-weight", "0.9");
        cut.Find("[data-testid=experiment-save]").Click();

        Assert.Contains("sum to 1", cut.Find("[data-testid=error-variants]").TextContent, StringComparison.Ordinal);
        Assert.Null(Service.Get("tone-test"));
    }

    [Fact]
    public void Edit_ValidForm_CreatesDraftAndNavigatesToIt()
    {
        var cut = Render<ExperimentEdit>();

        Set(cut, "field-key", "tone-test");
        Set(cut, "variant-1-system", "You are warm and concise.");
        cut.Find("[data-testid=experiment-save]").Click();

        var created = Service.Get("tone-test");
        Assert.NotNull(created);
        Assert.Equal(ExperimentState.Draft, created.State);
        Assert.Equal("You are warm and concise.", created.Variants[1].Overrides.SystemPrompt);
        Assert.EndsWith("/experiments/tone-test", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
        Assert.Equal("experiment.create", _experiments.Audit.Events.Single().Action);
    }

    [Fact]
    public async Task Edit_RunningExperiment_FreezesVariants()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);

        var cut = Render<ExperimentEdit>(p => p.Add(x => x.Key, "prompt-tone"));

        Assert.NotNull(cut.Find("[data-testid=experiment-frozen]"));
        Assert.True(Input(cut, "variant-0-weight").HasAttribute("disabled"));
    }

    private static void Set(IRenderedComponent<IComponent> cut, string testId, string value)
    {
        // Immediate MudBlazor fields update on input, the others on change.
        var input = Input(cut, testId);
        try
        {
            input.Change(value);
        }
        catch (MissingEventHandlerException)
        {
            input.Input(value);
        }
    }

    private static IElement Input(IRenderedComponent<IComponent> cut, string testId)
    {
        var element = cut.Find($"[data-testid={testId}]");
        return element.TagName is "INPUT" or "TEXTAREA" ? element : element.QuerySelector("input, textarea")!;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _experiments.Dispose();
        }

        base.Dispose(disposing);
    }
}
