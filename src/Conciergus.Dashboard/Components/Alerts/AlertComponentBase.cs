using System.Security.Claims;
using Conciergus.Core.Alerts;
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
/// <see cref="IAlertService.Changed"/> and when <see cref="IAlertService.Version"/> moved on a live publisher tick,
/// at most every <see cref="RefreshInterval"/>, and at least every <see cref="ClockRefresh"/> while the publisher ticks
/// (so "5 min ago" stays true and values that moved without a Version bump show).
/// </summary>
public abstract class AlertComponentBase : ComponentBase, IDisposable
{
    /// <summary>Minimum time between two live re-reads.</summary>
    internal static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Re-read and re-render at least this often while nothing changed (relative times, latest values).</summary>
    internal static readonly TimeSpan ClockRefresh = TimeSpan.FromSeconds(10);

    private RenderThrottle? _throttle;
    private IDisposable? _tick;
    private long _seenVersion = -1;
    private long _renderedAtTicks; // UTC ticks; read on the publisher's thread, hence Interlocked
    private bool _disposed;

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

        _throttle = new RenderThrottle(RefreshInterval, Clock, () => InvokeAsync(RefreshAsync));
        Service.Changed += OnChanged;
        if (Services.GetService<LivePublisher>() is { } publisher)
        {
            _tick = publisher.Subscribe(_ => OnTick());
        }
    }

    /// <inheritdoc />
    protected override void OnParametersSet() => Reload();

    /// <inheritdoc />
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        Interlocked.Exchange(ref _renderedAtTicks, Now.UtcTicks);
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
            _seenVersion = alerts.Version;
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

    private void OnChanged() => _throttle?.Request();

    private void OnTick()
    {
        if (Service is { } alerts && (alerts.Version != Volatile.Read(ref _seenVersion) || Now.UtcTicks - Interlocked.Read(ref _renderedAtTicks) >= ClockRefresh.Ticks))
        {
            _throttle?.Request();
        }
    }

    private async Task RefreshAsync()
    {
        if (_disposed || Service is null)
        {
            return;
        }

        try
        {
            // Reads are in memory and refreshes are throttled, so every refresh re-reads: values that move without a
            // Version bump (the evaluator's latest value) still show within ClockRefresh.
            Reload();
            StateHasChanged();
            await OnRefreshedAsync();
        }
#pragma warning disable CA1031 // Surfaced to the circuit's error handling rather than lost on a fire-and-forget task.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await DispatchExceptionAsync(ex);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Unsubscribes; derived components free their own timers here.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (disposing)
        {
            if (Service is { } alerts)
            {
                alerts.Changed -= OnChanged;
            }

            _tick?.Dispose();
            _throttle?.Dispose();
        }
    }
}
