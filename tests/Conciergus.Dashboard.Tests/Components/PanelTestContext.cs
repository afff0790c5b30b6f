using Bunit;
using Conciergus.Core.Analytics;
using Conciergus.Core.Health;
using Conciergus.Core.Pricing;
using Conciergus.Core.Telemetry;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Tests.Live;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Components;

/// <summary>
/// bUnit context for panel pages: the real collector, cache, analytics and live publisher of
/// <see cref="LiveTestHost"/> on a fake clock, and the chart module's functions answered.
/// </summary>
public abstract class PanelTestContext : DashboardTestContext
{
    protected PanelTestContext()
    {
        Services.AddSingleton(Host.Publisher);
        Services.AddSingleton(Host.Analytics);
        Services.AddSingleton(Host.Cache);
        Services.AddSingleton(Host.Collector);
        Services.AddSingleton(PriceCatalog.CreateBuiltIn());
        Services.AddSingleton<TimeProvider>(Host.Time);
        Services.AddSingleton(new ModelHealthClassifier(new ModelHealthOptions()));
        Services.AddScoped<BrowserTime>();
        Charts = JSInterop.SetupModule(LiveLineChart.ModulePath);
        Charts.Setup<string?>("createChart", _ => true).SetResult("chart-1");
        Charts.Setup<string?>("createDonut", _ => true).SetResult("donut-1");
        Charts.Setup<int>("appendPoints", _ => true).SetResult(0);
        Charts.Setup<int>("resetPoints", _ => true).SetResult(0);
        Charts.Setup<string?>("timeZone", _ => true).SetResult("Africa/Lagos"); // UTC+1 all year
        Charts.SetupVoid("setDonut", _ => true).SetVoidResult();
        Charts.SetupVoid("destroy", _ => true).SetVoidResult();
    }

    internal LiveTestHost Host { get; } = new();

    protected BunitJSModuleInterop Charts { get; }

    /// <summary>Starts the publisher and lets it publish once (pages show data from the first publish on).</summary>
    protected async Task StartAsync()
    {
        await Host.StartAsync();
        Host.Tick();
    }

}
