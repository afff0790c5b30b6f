using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Conciergus.Dashboard.Components.Charts;

/// <summary>One browser-side call on a created chart: the module and the chart's id are passed in.</summary>
internal delegate Task ChartSend(IJSObjectReference module, string chartId);

/// <summary>
/// The browser side of one chart, shared by every chart component: imports the chart module (charts.js), creates the
/// chart, keeps one send in flight so the browser sees calls in order, follows the theme, and destroys the chart on
/// dispose. Every call survives a closing page (disconnect, cancellation and a disposed runtime are expected then);
/// a chart that cannot draw reports why through <c>onError</c> instead of taking the page down.
/// Used on the renderer's dispatcher only (components call it from InvokeAsync or their lifecycle methods).
/// </summary>
internal sealed class ChartHandle(IJSRuntime js, Action<string> onError) : IAsyncDisposable
{
    /// <summary>Path of the chart module, relative to the base href.</summary>
    public const string ModulePath = "./lib/charts.js";

    private IJSObjectReference? _module;
    private string? _chartId;
    private bool? _appliedDarkMode;
    private bool _sending;
    private bool _disposed;

    /// <summary>Whether the browser chart exists.</summary>
    public bool IsCreated => _chartId is not null && _module is not null;

    /// <summary>Whether the owning component is gone (nothing is sent any more).</summary>
    public bool IsDisposed => _disposed;

    /// <summary>
    /// Creates the chart with <paramref name="createFunction"/> of the module ("createChart", "createDonut"), first
    /// destroying the one this handle made before. True when the chart exists afterwards.
    /// </summary>
    public async Task<bool> CreateAsync(string createFunction, ElementReference element, object options, bool darkMode)
    {
        await DestroyChartAsync();
        if (_module is null && !_disposed)
        {
            await CallAsync(async () => _module = await js.InvokeAsync<IJSObjectReference>("import", ModulePath));
        }

        if (_module is { } module && !_disposed)
        {
            await CallAsync(async () =>
            {
                _chartId = await module.InvokeAsync<string?>(createFunction, element, options);
                _appliedDarkMode = darkMode;
            });
        }

        if (_disposed)
        {
            // Disposed while the module loaded or the chart was created: DisposeAsync could not see it, so free it here.
            await ReleaseAsync();
            return false;
        }

        return IsCreated;
    }

    /// <summary>Applies the theme when it changed since the chart was created or last themed.</summary>
    public async Task SyncThemeAsync(bool darkMode)
    {
        if (IsCreated && !_disposed && _appliedDarkMode != darkMode)
        {
            _appliedDarkMode = darkMode;
            await CallAsync(() => _module!.InvokeVoidAsync("setTheme", _chartId, darkMode ? "dark" : "light").AsTask());
        }
    }

    /// <summary>
    /// The serial send queue: sends what <paramref name="next"/> hands out until it returns null, one call in flight.
    /// A call made while a send is in flight returns at once; the running loop asks <paramref name="next"/> again,
    /// so whatever the component queued meanwhile goes out next, in order.
    /// </summary>
    public async Task PumpAsync(Func<ChartSend?> next)
    {
        if (_sending || !IsCreated || _disposed)
        {
            return;
        }

        _sending = true;
        try
        {
            while (!_disposed && IsCreated && next() is { } send)
            {
                var module = _module!;
                var chartId = _chartId!;
                await CallAsync(() => send(module, chartId));
            }
        }
        finally
        {
            _sending = false;
        }
    }

    private async Task CallAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone; the circuit will dispose the component.
        }
        catch (OperationCanceledException)
        {
            // Expected when the page closes or the circuit ends mid-call (pending interop calls are cancelled), or when
            // the browser did not answer within the interop timeout: the next update resends what is pending.
        }
        catch (ObjectDisposedException)
        {
            // The circuit's JS runtime is already disposed.
        }
        catch (JSException ex)
        {
            if (!_disposed)
            {
                onError(ex.Message);
            }
        }
    }

    private async Task DestroyChartAsync()
    {
        if (_chartId is { } id && _module is { } module)
        {
            _chartId = null;
            await BestEffortAsync(() => module.InvokeVoidAsync("destroy", id).AsTask());
        }
    }

    private async Task ReleaseAsync()
    {
        await DestroyChartAsync();
        if (_module is { } module)
        {
            _module = null;
            await BestEffortAsync(() => module.DisposeAsync().AsTask());
        }
    }

    private static async Task BestEffortAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (Exception ex) when (ex is JSDisconnectedException or OperationCanceledException or ObjectDisposedException or JSException)
        {
            // The browser already dropped the chart with the page, or the circuit is ending; the module drops its
            // reference on destroy regardless.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await ReleaseAsync();
    }
}
