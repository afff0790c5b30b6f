using System.Security.Claims;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Panels;
using Conciergus.Dashboard.Live;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.JSInterop;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Components.Alerts;

/// <summary>
/// Base of the alert pages and panels. Resolves <see cref="IAlertService"/> optionally (panels render on every page,
/// also where alerting is not registered: they then render nothing and pages say so), re-reads on
/// <see cref="IAlertService.Changes"/> at most every <see cref="RefreshInterval"/>, and on the live publisher's
/// <see cref="LivePublisher.Changes"/> at most every <see cref="ClockRefresh"/> (so "5 min ago" stays true and values
/// that move without a change of alerting, such as the evaluator's latest value, show).
/// </summary>
public abstract class AlertComponentBase : LiveComponentBase
{
    /// <summary>Minimum time between two live re-reads.</summary>
    internal static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Re-read and re-render at least this often while nothing changed (relative times, latest values).</summary>
    internal static readonly TimeSpan ClockRefresh = TimeSpan.FromSeconds(10);

    /// <summary>Services; alerting, the live publisher and sign-in are optional.</summary>
    [Inject]
    public required IServiceProvider Services { get; init; }

    /// <summary>The alert service, or null when alerting is not registered.</summary>
    protected IAlertService? Service { get; private set; }

    /// <summary>Clock (the registered TimeProvider, else the system clock).</summary>
    protected TimeProvider Clock { get; private set; } = TimeProvider.System;

    /// <summary>Now, by <see cref="Clock"/>.</summary>
    protected DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>The browser's time zone for times (UTC until known); the name stays "Offset" for the pages that pass it on.</summary>
    protected TimeZoneInfo Offset => Services.GetService<BrowserTime>()?.Zone ?? TimeZoneInfo.Utc;

    /// <summary>"UTC" or the browser's IANA zone ("Europe/Berlin").</summary>
    protected string ZoneLabel => Services.GetService<BrowserTime>()?.Label ?? "UTC";

    /// <summary>Why the last read failed, when it did.</summary>
    protected string? LoadError { get; private set; }

    /// <summary>True after the first render in a live circuit (buttons wait for it: a prerendered click goes nowhere).</summary>
    protected bool Interactive { get; private set; }

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        Service = Services.GetService<IAlertService>();
        Clock = Services.GetService<TimeProvider>() ?? TimeProvider.System;
        if (Service is null)
        {
            return;
        }

        Listen(Service.Changes, RefreshInterval, Clock);
        if (Services.GetService<LivePublisher>() is { } publisher)
        {
            Listen(publisher.Changes, ClockRefresh, Clock);
        }
    }

    /// <inheritdoc />
    protected override void OnParametersSet() => Reload();

    /// <inheritdoc />
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            Interactive = true;

            // Times read in the operator's zone once the browser said which (UTC until then).
            if (Services.GetService<BrowserTime>() is { } browserTime && Services.GetService<IJSRuntime>() is { } js)
            {
                await browserTime.EnsureAsync(js);
            }

            StateHasChanged();
            await OnFirstInteractiveRenderAsync();
        }
    }

    /// <summary>Called once after the first render (charts are created then).</summary>
    protected virtual Task OnFirstInteractiveRenderAsync() => Task.CompletedTask;

    /// <summary>Reads what the component shows from <see cref="Service"/> (never null when called).</summary>
    protected abstract void Load(IAlertService alerts);

    /// <summary>Called on the renderer after a live re-read (push new chart points here).</summary>
    protected virtual Task OnRefreshedAsync() => Task.CompletedTask;

    /// <summary>Re-reads now, capturing a failure as <see cref="LoadError"/>.</summary>
    protected void Reload()
    {
        if (Service is not { } alerts)
        {
            return;
        }

        try
        {
            Load(alerts);
            LoadError = null;
        }
#pragma warning disable CA1031 // A failing read shows as an error state instead of tearing the circuit down.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LoadError = e.Message;
        }
    }

    /// <summary>The actor of an operator action: the signed-in user's name and highest role.</summary>
    protected Task<Actor> ActorAsync() => ActorFactory.OfAsync(Services);

    /// <inheritdoc />
    protected override async Task OnLiveChangeAsync()
    {
        if (Service is null)
        {
            return;
        }

        // Reads are in memory and refreshes are throttled, so every refresh re-reads: values that move without a change
        // of alerting (the evaluator's latest value) still show within ClockRefresh.
        Reload();
        StateHasChanged();
        await OnRefreshedAsync();
    }
}
