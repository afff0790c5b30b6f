using Bunit;
using Conciergus.Dashboard.Components;
using Conciergus.Dashboard.Components.Charts;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class BrowserTimeTests : BunitContext
{
    [Theory]
    // Europe/Berlin springs forward on 2026-03-29 at 01:00 UTC (02:00 CET -> 03:00 CEST) and falls back on
    // 2026-10-25 at 01:00 UTC (03:00 CEST -> 02:00 CET): tz database rules (EU summer time, Directive 2000/84/EC).
    [InlineData("2026-03-29T00:30:00Z", "2026-03-29 01:30:00", 60)]
    [InlineData("2026-03-29T01:30:00Z", "2026-03-29 03:30:00", 120)]
    [InlineData("2026-10-25T00:30:00Z", "2026-10-25 02:30:00", 120)]
    [InlineData("2026-10-25T01:30:00Z", "2026-10-25 02:30:00", 60)]
    [InlineData("2026-01-15T12:00:00Z", "2026-01-15 13:00:00", 60)]
    [InlineData("2026-07-15T12:00:00Z", "2026-07-15 14:00:00", 120)]
    public void ToLocal_AcrossDaylightSaving_UsesTheOffsetInForceAtThatInstant(string utc, string expected, int offsetMinutes)
    {
        var time = new BrowserTime();
        Assert.True(time.SetZone("Europe/Berlin"));
        var at = DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture);

        var local = time.ToLocal(at);

        Assert.Equal(TimeSpan.FromMinutes(offsetMinutes), local.Offset);
        Assert.Equal(expected, Formatting.LocalTime(at, time.Zone, withDate: true));
        Assert.Equal(at, local); // the same instant
    }

    [Fact]
    public void LocalTime_ThirtyDaysOfHistoryAcrossTheChange_EveryNoonUtcReadsRight()
    {
        // A fixed offset taken "now" (summer, +02:00) put every winter point an hour off; the zone does not.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var start = new DateTimeOffset(2026, 10, 10, 12, 0, 0, TimeSpan.Zero);
        for (var day = 0; day < 30; day++)
        {
            var at = start.AddDays(day);
            var expected = at < new DateTimeOffset(2026, 10, 25, 1, 0, 0, TimeSpan.Zero) ? "14:00:00" : "13:00:00";
            Assert.Equal(expected, Formatting.LocalTime(at, zone));
        }
    }

    [Fact]
    public async Task EnsureAsync_BrowserAnswersItsZone_IsATimeProviderInThatZone()
    {
        var module = JSInterop.SetupModule(LiveLineChart.ModulePath);
        module.Setup<string?>("timeZone", _ => true).SetResult("America/New_York");
        module.Setup<bool>("clockIsUtc", _ => true).SetResult(false); // the app bar's clock: the browser's zone
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 5, 30, 0, TimeSpan.Zero));
        var time = new BrowserTime(clock);
        Assert.Equal("UTC", time.Label);

        Assert.True(await time.EnsureAsync(JSInterop.JSRuntime));

        Assert.Equal("America/New_York", time.Label);
        Assert.Equal(clock.GetUtcNow(), time.GetUtcNow());
        // 2026-11-01 05:30 UTC is 01:30 EDT (-04:00); an hour later 01:30 again, in EST (-05:00).
        Assert.Equal(TimeSpan.FromHours(-4), time.GetLocalNow().Offset);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal((new TimeOnly(1, 30), TimeSpan.FromHours(-5)), (TimeOnly.FromDateTime(time.GetLocalNow().DateTime), time.GetLocalNow().Offset));
        Assert.False(await time.EnsureAsync(JSInterop.JSRuntime)); // asked once
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("")]
    [InlineData(null)]
    public async Task EnsureAsync_UnknownOrNoZone_StaysUtcAndSaysSo(string? answer)
    {
        var module = JSInterop.SetupModule(LiveLineChart.ModulePath);
        module.Setup<string?>("timeZone", _ => true).SetResult(answer);
        module.Setup<bool>("clockIsUtc", _ => true).SetResult(false);
        var time = new BrowserTime();

        Assert.False(await time.EnsureAsync(JSInterop.JSRuntime));

        Assert.Equal(("UTC", TimeZoneInfo.Utc), (time.Label, time.Zone));
    }
}
