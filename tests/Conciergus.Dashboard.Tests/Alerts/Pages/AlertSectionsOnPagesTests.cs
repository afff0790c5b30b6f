using Bunit;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Tests.Components;
using Microsoft.Extensions.DependencyInjection;
using HealthPage = Conciergus.Dashboard.Components.Pages.Health;
using OverviewPage = Conciergus.Dashboard.Components.Pages.Overview;

namespace Conciergus.Dashboard.Tests.Alerts.Pages;

/// <summary>The one-line additions to the Overview and Health pages, rendered inside those pages with alerting registered.</summary>
public sealed class AlertSectionsOnPagesTests : PanelTestContext
{
    private readonly FakeAlertService _alerts;

    public AlertSectionsOnPagesTests()
    {
        _alerts = new FakeAlertService(Host.Time);
        Services.AddSingleton<IAlertService>(_alerts);
    }

    [Fact]
    public async Task Overview_FiringAlert_ShowsTheFiringAlertsSection()
    {
        _alerts.InstanceList.Add(FakeAlertService.Instance("a1", AlertState.Firing, AlertSeverity.Critical, Host.Time.GetUtcNow()));
        await StartAsync();

        var cut = Render<OverviewPage>();

        Assert.Equal("a1", cut.Find("[data-testid=firing-alerts] tr[data-alert]").GetAttribute("data-alert"));
    }

    [Fact]
    public async Task Health_EvaluatorRan_ShowsRowAndPanel()
    {
        _alerts.StatusValue = new AlertEvaluatorStatus(Host.Time.GetUtcNow(), TimeSpan.FromMilliseconds(3), TimeSpan.FromSeconds(10), 7,
            new Dictionary<string, string>(), 0);
        await StartAsync();

        var cut = Render<HealthPage>();

        Assert.Contains("every 10s", cut.Find("[data-component=alerts]").TextContent, StringComparison.Ordinal);
        Assert.Equal("running", cut.Find("[data-testid=alert-evaluator-verdict]").TextContent.Trim());
    }

    [Fact]
    public async Task Health_NoAlertService_RowSaysNotRegistered()
    {
        // A fresh context without alerting: the row still renders, the panel does not.
        await using var context = new PlainPanelContext();
        await context.Host.StartAsync();
        context.Host.Tick();

        var cut = context.Render<HealthPage>();

        Assert.Contains("not registered", cut.Find("[data-component=alerts]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=alert-evaluator-panel]"));
    }

    private sealed class PlainPanelContext : PanelTestContext;
}
