using Bunit;
using Conciergus.Core.Errors;
using Conciergus.Core.Traces;
using Conciergus.Dashboard.Components;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Components.Layout;
using Conciergus.Dashboard.Tests.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Conciergus.Dashboard.Tests.Traces.TraceTestData;
using TracesPage = Conciergus.Dashboard.Components.Pages.Traces;

namespace Conciergus.Dashboard.Tests.OperatorDay;

/// <summary>Issue 22 item 1: one clock, the browser's zone or UTC, chosen in the app bar and used by every time shown.</summary>
public sealed class ClockTests : DashboardTestContext
{
    // 2026-11-27 12:00 UTC is 21:00 in Tokyo (UTC+9, no daylight saving).
    private readonly FakeTimeProvider _time = new(Start.AddMinutes(1));

    [Fact]
    public void Format_BrowserZoneOrUtc_RendersAndLabelsTheChosenZone()
    {
        var time = new BrowserTime(_time);
        Assert.True(time.SetZone("Asia/Tokyo"));

        Assert.Equal(("2026-11-27 21:00:00", "Asia/Tokyo"), (time.Format(Start), time.Label));

        time.UseUtc = true;
        Assert.Equal(("2026-11-27 12:00:00", "UTC"), (time.Format(Start), time.Label));
        Assert.Equal("12:00:00.000", time.Format(Start, "HH:mm:ss.fff"));
        Assert.Equal(TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"), time.BrowserZone);
        Assert.Equal(Formatting.Missing, time.Format(null));
    }

    [Fact]
    public async Task EnsureAsync_BrowserRemembersUtc_UsesUtcAndKnowsTheBrowserZone()
    {
        var module = JSInterop.SetupModule(LiveLineChart.ModulePath);
        module.Setup<string?>("timeZone", _ => true).SetResult("Asia/Tokyo");
        module.Setup<bool>("clockIsUtc", _ => true).SetResult(true);
        var time = new BrowserTime(_time);

        // The zone in use was UTC before and is UTC after: nothing to render again.
        Assert.False(await time.EnsureAsync(JSInterop.JSRuntime));

        Assert.True(time.UseUtc);
        Assert.Equal((TimeZoneInfo.Utc, "UTC"), (time.Zone, time.Label));
        Assert.Equal("Asia/Tokyo", time.BrowserZone.Id);
    }

    [Fact]
    public void TracesList_StartedColumn_UsesTheClockAndNamesTheZone()
    {
        // Arrange
        var store = Store(time: _time);
        store.Accept(Operation(TraceId(1), SpanId(1)));
        Services.AddSingleton(store);
        Services.AddSingleton(new RecentErrors());
        Services.AddSingleton<TimeProvider>(_time);
        Services.AddSingleton<ISpanContentRedactor>(LengthOnlyContentRedactor.Instance);
        Services.AddSingleton(new Conciergus.Core.History.TraceHistory(store, Microsoft.Extensions.Logging.Abstractions.NullLogger<Conciergus.Core.History.TraceHistory>.Instance));
        Services.AddOptions<Conciergus.Core.Audit.PrivacyOptions>();
        Services.AddSingleton(Logs.LogStoreTests.Create());
        var clock = new BrowserTime(_time);
        clock.SetZone("Asia/Tokyo");
        Services.AddSingleton(clock);
        var started = store.Get(TraceId(1))!.Summary.StartTime;

        // Act
        var cut = Render<TracesPage>();

        // Assert: the browser's zone, named in the header
        Assert.Contains("Started (Asia/Tokyo)", cut.Find("[data-testid=traces-table]").TextContent, StringComparison.Ordinal);
        Assert.Contains(TimeZoneInfo.ConvertTime(started, clock.Zone).ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture), cut.Markup, StringComparison.Ordinal);

        // Act: UTC chosen
        clock.UseUtc = true;
        cut = Render<TracesPage>();

        // Assert
        Assert.Contains("Started (UTC)", cut.Find("[data-testid=traces-table]").TextContent, StringComparison.Ordinal);
        Assert.Contains(started.UtcDateTime.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture), cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void ClockSetting_Clicked_SwitchesToUtcAndRemembersIt()
    {
        // Arrange
        var module = JSInterop.SetupModule(LiveLineChart.ModulePath);
        module.Setup<string?>("timeZone", _ => true).SetResult("Asia/Tokyo");
        var setClock = module.SetupVoid("setClock", _ => true);
        var clock = new BrowserTime(_time);
        Services.AddSingleton(clock);
        var cut = Render<ClockSetting>();
        cut.WaitForAssertion(() => Assert.Equal("Asia/Tokyo", clock.Label));
        Assert.Equal("browser", cut.Find("[data-testid=clock-setting]").GetAttribute("data-clock"));

        // Act
        cut.Find("[data-testid=clock-setting]").Click();

        // Assert: UTC in force and remembered by the browser
        Assert.True(clock.UseUtc);
        Assert.Equal(true, setClock.Invocations.Single().Arguments[0]);
        Assert.Equal("UTC", clock.Label);
    }
}
