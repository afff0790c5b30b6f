using Conciergus.Core.Alerts;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Alerts;

/// <summary>Silences: Alertmanager matchers (=, !=, =~ anchored, !~; a missing label is ""), states, quiet hours.</summary>
public sealed class AlertSilenceTests : IDisposable
{
    private static readonly Dictionary<string, string> Labels = new() { ["alertname"] = "High error rate", ["model"] = "gpt-4o", ["severity"] = "high" };
    private readonly AlertTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Theory]
    [InlineData("model", "=", "gpt-4o", true)]
    [InlineData("model", "=", "gpt-4", false)]
    [InlineData("model", "!=", "gpt-4", true)]
    [InlineData("model", "=~", "gpt-4.*", true)]
    [InlineData("model", "=~", "gpt-4", false)] // anchored: ^(?:gpt-4)$
    [InlineData("model", "=~", "4o", false)]
    [InlineData("model", "!~", "claude.*", true)]
    [InlineData("model", "!~", "gpt.*", false)]
    [InlineData("team", "=", "", true)] // missing label is the empty string
    [InlineData("team", "!=", "", false)]
    [InlineData("team", "=~", ".*", true)]
    [InlineData("severity", "=~", "high|critical", true)]
    public void Matches_Table_LikeAlertmanager(string name, string op, string value, bool expected)
    {
        Assert.True(AlertWire.TryParseMatch(op, out var parsed));
        Assert.Equal(expected, AlertLabels.Matches(new LabelMatcher(name, parsed, value), Labels));
    }

    [Theory]
    [InlineData("model", MatchOperator.Regex, "(", "not a valid regular expression")]
    [InlineData("1model", MatchOperator.Equal, "x", "not a valid label name")]
    public void ValidateSilence_BadMatcher_SaysWhatIsWrong(string name, MatchOperator op, string value, string message)
    {
        var errors = AlertService.ValidateSilence(Silence([new LabelMatcher(name, op, value)]));

        Assert.Contains(message, Assert.Single(errors["matchers"]), StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateSilence_MatchesEverything_IsRefused()
    {
        var errors = AlertService.ValidateSilence(Silence([new LabelMatcher("model", MatchOperator.Regex, ".*")]));

        Assert.Contains("match every alert", errors["matchers"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void StateAt_PendingActiveExpired()
    {
        var s = Silence([new LabelMatcher("model", MatchOperator.Equal, "gpt-4o")]);

        Assert.Equal(SilenceState.Pending, AlertService.StateAt(s, s.StartsAt.AddSeconds(-1)));
        Assert.Equal(SilenceState.Active, AlertService.StateAt(s, s.StartsAt));
        Assert.Equal(SilenceState.Expired, AlertService.StateAt(s, s.EndsAt));
    }

    [Theory]
    // Quiet hours Mon-Fri 22:00-06:00 Europe/Berlin (UTC+1 in November): wraps past midnight.
    [InlineData("2026-11-27T20:59:00Z", false)] // Fri 21:59 Berlin
    [InlineData("2026-11-27T21:00:00Z", true)] // Fri 22:00 Berlin
    [InlineData("2026-11-28T04:59:00Z", true)] // Sat 05:59 Berlin: the Friday night window
    [InlineData("2026-11-28T05:00:00Z", false)] // Sat 06:00 Berlin
    [InlineData("2026-11-28T22:00:00Z", false)] // Sat 23:00 Berlin: Saturday not listed
    [InlineData("2026-11-29T23:30:00Z", true)] // Mon 00:30 Berlin: the Sunday night window
    [InlineData("2026-11-28T23:30:00Z", false)] // Sun 00:30 Berlin: Saturday not listed, Sunday's window starts at 22:00
    [InlineData("2026-11-27T12:00:00Z", false)] // Fri 13:00 Berlin (12:00 UTC): the time zone matters
    public void InQuietHours_AcrossMidnightInATimeZone(string utc, bool expected)
    {
        var quiet = new QuietHours([DayOfWeek.Sunday, DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday], new TimeOnly(22, 0), new TimeOnly(6, 0), "Europe/Berlin");

        Assert.Equal(expected, AlertLabels.InQuietHours(quiet, DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("2026-11-27T09:00:00Z", true)] // Fri 09:00 UTC
    [InlineData("2026-11-27T17:00:00Z", false)]
    [InlineData("2026-11-28T09:00:00Z", false)] // Saturday
    public void InQuietHours_SameDayWindow(string utc, bool expected)
    {
        var quiet = new QuietHours([DayOfWeek.Friday], new TimeOnly(9, 0), new TimeOnly(17, 0));

        Assert.Equal(expected, AlertLabels.InQuietHours(quiet, DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Silence_Active_InstanceStillChangesStateButIsNotNotified()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule(pending: TimeSpan.FromSeconds(20)));
        var silence = await _host.Service.CreateSilenceAsync(
            Silence([new LabelMatcher("experiment", MatchOperator.Regex, "chk.*")]) with { StartsAt = AlertTestHost.Start, EndsAt = AlertTestHost.Start.AddMinutes(10) },
            new Actor("ann", "Operator"));
        _host.Values["chk1"] = 2000;
        _host.Values["other"] = 2000;

        for (var i = 0; i < 30; i++)
        {
            await _host.StepAsync(TimeSpan.FromSeconds(10)); // to t=300
        }

        var muted = _host.InstanceOf("chk1")!;
        Assert.Equal(AlertState.Firing, muted.State);
        Assert.True(muted.Silenced);
        Assert.Equal(1, _host.Service.FiringCount);
        Assert.All(_host.Channel.Sent, n => Assert.DoesNotContain(n.Alerts, a => a.Labels["experiment"] == "chk1"));
        Assert.Contains(_host.Audit.Events, e => e.Action == "silence.create" && e.Target == silence.Id);

        await _host.Service.ExpireSilenceAsync(silence.Id, new Actor("ann", "Operator"));
        Assert.False(_host.InstanceOf("chk1")!.Silenced);
        Assert.Equal(SilenceState.Expired, _host.Service.StateOf(_host.Service.Silences().Single()));
        for (var i = 0; i < 30; i++)
        {
            await _host.StepAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Contains(_host.Channel.Sent, n => n.Alerts.Any(a => a.Labels["experiment"] == "chk1" && a.Status == "firing"));
        Assert.Equal(["pending", "silenced", "firing", "unsilenced"], _host.InstanceOf("chk1")!.History.Select(h => h.Event).Take(4));
        Assert.Contains(_host.Audit.Events, e => e.Action == "silence.expire");
    }

    [Fact]
    public async Task Silence_QuietHours_MuteOnlyInsideTheWindow()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule());
        await _host.Service.CreateSilenceAsync(
            Silence([new LabelMatcher("alertname", MatchOperator.Equal, "Rule r1")]) with
            {
                StartsAt = AlertTestHost.Start,
                EndsAt = AlertTestHost.Start.AddDays(30),
                QuietHours = new QuietHours([DayOfWeek.Friday], new TimeOnly(12, 0), new TimeOnly(12, 30)),
            },
            new Actor("ann", "Operator"));
        _host.Values["a"] = 2000;

        await _host.StepAsync(TimeSpan.FromMinutes(1)); // Fri 12:01 UTC: inside
        Assert.True(_host.InstanceOf("a")!.Silenced);
        await _host.StepAsync(TimeSpan.FromMinutes(30)); // 12:31: outside

        Assert.False(_host.InstanceOf("a")!.Silenced);
    }

    private static Silence Silence(IReadOnlyList<LabelMatcher> matchers) => new()
    {
        Id = "",
        Matchers = matchers,
        StartsAt = AlertTestHost.Start,
        EndsAt = AlertTestHost.Start.AddHours(1),
        CreatedBy = "ann",
        Comment = "maintenance",
    };
}
