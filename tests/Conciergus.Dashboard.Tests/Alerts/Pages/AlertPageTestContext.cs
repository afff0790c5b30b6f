using AngleSharp.Dom;
using Bunit;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Components;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Alerts.Pages;

/// <summary>bUnit context for the alert pages: a <see cref="FakeAlertService"/> on a fake clock and the chart module answered.</summary>
public abstract class AlertPageTestContext : DashboardTestContext
{
    /// <summary>A round instant so relative times are easy to reason about.</summary>
    internal static readonly DateTimeOffset Start = new(2025, 6, 2, 12, 0, 0, TimeSpan.Zero);

    protected AlertPageTestContext()
    {
        Time = new FakeTimeProvider(Start);
        Alerts = new FakeAlertService(Time);
        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton<IAlertService>(Alerts);
        Services.AddScoped<BrowserTime>();
        Charts = JSInterop.SetupModule(LiveLineChart.ModulePath);
        Charts.Setup<string?>("createChart", _ => true).SetResult("chart-1");
        Charts.Setup<int>("appendPoints", _ => true).SetResult(0);
        Charts.Setup<int>("resetPoints", _ => true).SetResult(0);
        Charts.Setup<int>("timeZoneOffsetMinutes", _ => true).SetResult(0);
        Charts.SetupVoid("setThresholds", _ => true).SetVoidResult();
        Charts.SetupVoid("setTheme", _ => true).SetVoidResult();
        Charts.SetupVoid("destroy", _ => true).SetVoidResult();
    }

    internal FakeTimeProvider Time { get; }

    internal FakeAlertService Alerts { get; }

    protected BunitJSModuleInterop Charts { get; }

    /// <summary>Signs in <paramref name="name"/> with <paramref name="role"/> and the policies that role satisfies.</summary>
    protected void SignIn(string name, ConciergusRole role)
    {
        Authorization.SetAuthorized(name);
        Authorization.SetRoles(role.ToString());
        Authorization.SetPolicies([.. Enum.GetValues<ConciergusRole>().Where(r => r <= role).Select(ConciergusPolicies.For)]);
    }

    /// <summary>Types into a MudBlazor field found by its data-testid (immediate fields update on input, others on change).</summary>
    protected static void Set(IRenderedComponent<IComponent> cut, string testId, string value)
    {
        var input = Input(cut, testId);
        try
        {
            input.Input(value);
        }
        catch (MissingEventHandlerException)
        {
            input.Change(value);
        }
    }

    protected static IElement Input(IRenderedComponent<IComponent> cut, string testId)
    {
        var element = cut.Find($"[data-testid={testId}]");
        return element.TagName is "INPUT" or "TEXTAREA" ? element : element.QuerySelector("input, textarea")!;
    }

    /// <summary>A field's whole control: label, value and its helper or error text.</summary>
    protected static string FieldText(IRenderedComponent<IComponent> cut, string testId) =>
        Input(cut, testId).Closest(".mud-input-control")!.TextContent;

    protected static string Text(IRenderedComponent<IComponent> cut, string testId) => cut.Find($"[data-testid={testId}]").TextContent.Trim();
}
