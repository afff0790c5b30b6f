using Conciergus.Dashboard.Components.Charts;
using Microsoft.JSInterop;

namespace Conciergus.Dashboard.Components;

/// <summary>
/// The browser's UTC offset, asked once per circuit (a scoped service), so server-rendered times read in the
/// operator's time zone. Until the browser answered, times show in UTC and say so.
/// </summary>
public sealed class BrowserTime
{
    private Task<TimeSpan?>? _asking;

    /// <summary>The browser's offset, or null before it is known.</summary>
    public TimeSpan? Offset { get; private set; }

    /// <summary>The offset to render with (UTC until known).</summary>
    public TimeSpan OffsetOrUtc => Offset ?? TimeSpan.Zero;

    /// <summary>Short zone label: "UTC+01:00", or "UTC" until known.</summary>
    public string Label => Offset is { } o && o != TimeSpan.Zero ? "UTC" + (o < TimeSpan.Zero ? "-" : "+") + o.ToString(@"hh\:mm", System.Globalization.CultureInfo.InvariantCulture) : "UTC";

    /// <summary>Asks the browser once; true when the offset became known by this call.</summary>
    public async Task<bool> EnsureAsync(IJSRuntime js)
    {
        if (Offset is not null)
        {
            return false;
        }

        _asking ??= AskAsync(js);
        var offset = await _asking;
        if (offset is null || Offset is not null)
        {
            return false;
        }

        Offset = offset;
        return true;
    }

    private static async Task<TimeSpan?> AskAsync(IJSRuntime js)
    {
        try
        {
            // Not disposed: charts share the imported module, and it lives as long as the circuit anyway.
            var module = await js.InvokeAsync<IJSObjectReference>("import", LiveLineChart.ModulePath);
            var minutes = module is null ? 0 : await module.InvokeAsync<int>("timeZoneOffsetMinutes");
            return TimeSpan.FromMinutes(minutes);
        }
        catch (JSException)
        {
            return null;
        }
        catch (JSDisconnectedException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // Prerendering: no browser yet.
            return null;
        }
    }
}
