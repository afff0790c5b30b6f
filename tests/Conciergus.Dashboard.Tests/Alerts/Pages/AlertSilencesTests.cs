using Bunit;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Alerts.Pages;

public sealed class AlertSilencesTests : AlertPageTestContext
{
    private static Silence Silence(string id, DateTimeOffset starts, DateTimeOffset ends, QuietHours? quiet = null) => new()
    {
        Id = id,
        Matchers = [new LabelMatcher("model", MatchOperator.Regex, "gpt-.*")],
        StartsAt = starts,
        EndsAt = ends,
        CreatedBy = "olivia",
        Comment = "maintenance",
        QuietHours = quiet,
    };

    [Fact]
    public void Render_Silences_ShowsStatesActiveFirst()
    {
        Alerts.SilenceList.Add(Silence("old", Start.AddHours(-5), Start.AddHours(-1)));
        Alerts.SilenceList.Add(Silence("later", Start.AddHours(1), Start.AddHours(2)));
        Alerts.SilenceList.Add(Silence("now", Start.AddHours(-1), Start.AddHours(1)));
        Alerts.InstanceList.Add(FakeAlertService.Instance("a1", AlertState.Firing, AlertSeverity.High, Start));

        var cut = Render<AlertSilences>();

        var rows = cut.FindAll("[data-testid^=silence-row-]");
        Assert.Equal(["active", "pending", "expired"], rows.Select(r => r.GetAttribute("data-state")));
        Assert.Equal("model=~gpt-.*", cut.Find("[data-testid=silence-row-now]").ParentElement!.QuerySelector("[data-matcher]")!.GetAttribute("data-matcher"));
        Assert.Equal("1 open alert", Text(cut, "silence-muted-now"));
    }

    [Fact]
    public void Create_WithTwoMatchers_CallsServiceWithAuthorAndMatchers()
    {
        SignIn("olivia", ConciergusRole.Operator);
        var cut = Render<AlertSilences>();

        cut.Find("[data-testid=silence-new]").Click();
        Set(cut, "matcher-0-name", "model");
        Set(cut, "matcher-0-value", "gpt-4o");
        cut.Find("[data-testid=matcher-add]").Click();
        Set(cut, "matcher-1-name", "application");
        Set(cut, "matcher-1-value", "chat");
        cut.Find("[data-testid=silence-for-8h]").Click();
        Set(cut, "silence-comment", "provider maintenance");
        cut.Find("[data-testid=silence-create]").Click();

        var silence = Assert.Single(Alerts.SilenceList);
        Assert.Equal([new LabelMatcher("model", MatchOperator.Equal, "gpt-4o"), new LabelMatcher("application", MatchOperator.Equal, "chat")], silence.Matchers);
        Assert.Equal(("olivia", "provider maintenance"), (silence.CreatedBy, silence.Comment));
        Assert.Equal(Start, silence.StartsAt);
        Assert.Equal(Start.AddHours(8), silence.EndsAt);
        Assert.Equal(new Actor("olivia", "Operator"), Alerts.Calls.Single().Actor);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=silence-form]")));
        Assert.Equal("active", cut.Find("[data-testid^=silence-row-]").GetAttribute("data-state"));
    }

    [Fact]
    public void Create_QuietHours_SendsTheRecurrence()
    {
        var cut = Render<AlertSilences>();

        cut.Find("[data-testid=silence-new]").Click();
        Set(cut, "matcher-0-name", "severity");
        Set(cut, "matcher-0-value", "low");
        cut.Find("[data-testid=silence-kind-recurring]").Click();
        Set(cut, "silence-comment", "nights");
        cut.Find("[data-testid=silence-create]").Click();

        var quiet = Assert.Single(Alerts.SilenceList).QuietHours;
        Assert.NotNull(quiet);
        Assert.Equal((new TimeOnly(22, 0), new TimeOnly(6, 0), "UTC", 5), (quiet.StartTime, quiet.EndTime, quiet.TimeZone, quiet.Days.Count));
    }

    [Fact]
    public void Create_NoCommentNoMatcher_SaysWhatIsMissing()
    {
        var cut = Render<AlertSilences>();

        cut.Find("[data-testid=silence-new]").Click();
        cut.Find("[data-testid=silence-create]").Click();

        var error = Text(cut, "silence-error");
        Assert.Contains("at least one matcher", error, StringComparison.Ordinal);
        Assert.Contains("comment is required", error, StringComparison.Ordinal);
        Assert.Empty(Alerts.SilenceList);
    }

    [Fact]
    public void Expire_ActiveSilence_CallsService()
    {
        Alerts.SilenceList.Add(Silence("now", Start.AddHours(-1), Start.AddHours(1)));
        var cut = Render<AlertSilences>();

        cut.Find("[data-testid=silence-expire-now]").Click();

        Assert.Equal(("silence.expire", "now"), (Alerts.Calls.Single().Action, Alerts.Calls.Single().Target));
        cut.WaitForAssertion(() => Assert.Equal("expired", cut.Find("[data-testid=silence-row-now]").GetAttribute("data-state")));
    }

    [Fact]
    public void Render_Viewer_CannotCreateOrExpire()
    {
        Alerts.SilenceList.Add(Silence("now", Start.AddHours(-1), Start.AddHours(1)));
        SignIn("victor", ConciergusRole.Viewer);

        var cut = Render<AlertSilences>();

        Assert.Empty(cut.FindAll("[data-testid=silence-new]"));
        Assert.Empty(cut.FindAll("[data-testid=silence-expire-now]"));
    }

    [Fact]
    public void Render_SilenceSimilar_PrefillsMatchersFromTheAlert()
    {
        Alerts.InstanceList.Add(FakeAlertService.Instance("a1", AlertState.Firing, AlertSeverity.High, Start));
        Services.GetRequiredService<NavigationManager>().NavigateTo("/alerts/silences?alert=a1");

        var cut = Render<AlertSilences>();

        Assert.Equal("alertname", Input(cut, "matcher-0-name").GetAttribute("value"));
        Assert.Equal("model", Input(cut, "matcher-1-name").GetAttribute("value"));
        Assert.Empty(cut.FindAll("[data-testid=matcher-2]")); // severity is left out
    }
}
