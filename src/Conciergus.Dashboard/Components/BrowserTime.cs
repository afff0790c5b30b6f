using Conciergus.Dashboard.Components.Charts;
using Microsoft.JSInterop;

namespace Conciergus.Dashboard.Components;

/// <summary>
/// The browser's time zone for one circuit (a scoped service), as the Aspire dashboard's BrowserTimeProvider: a
/// <see cref="TimeProvider"/> whose <see cref="LocalTimeZone"/> is the browser's IANA zone (asked once, with
/// <c>Intl.DateTimeFormat().resolvedOptions().timeZone</c>), so every time is converted with the rules in force at
/// that instant: history across a daylight-saving change reads right. Until the browser answered, times show in UTC
/// and say so. The clock itself is the application's <see cref="TimeProvider"/>.
/// </summary>
public sealed class BrowserTime : TimeProvider
{
    private readonly TimeProvider _clock;
    private Task<string?>? _asking;
    private TimeZoneInfo? _zone;

    /// <summary>Creates the circuit's browser time on the application's clock (the system clock when none is given).</summary>
    public BrowserTime(TimeProvider? clock = null)
    {
        _clock = clock is null or BrowserTime ? System : clock;
    }

    /// <summary>Whether the browser's zone is known.</summary>
    public bool Known => _zone is not null;

    /// <summary>The zone to render with (UTC until known).</summary>
    public TimeZoneInfo Zone => _zone ?? TimeZoneInfo.Utc;

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => Zone;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => _clock.GetUtcNow();

    /// <inheritdoc />
    public override long GetTimestamp() => _clock.GetTimestamp();

    /// <inheritdoc />
    public override long TimestampFrequency => _clock.TimestampFrequency;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _clock.CreateTimer(callback, state, dueTime, period);

    /// <summary>Zone label: the IANA id ("Europe/Berlin"), or "UTC" until known.</summary>
    public string Label => _zone is { } z && z != TimeZoneInfo.Utc ? z.Id : "UTC";

    /// <summary><paramref name="time"/> in the browser's zone, with the offset in force at that instant.</summary>
    public DateTimeOffset ToLocal(DateTimeOffset time) => TimeZoneInfo.ConvertTime(time, Zone);

    /// <summary>
    /// Uses <paramref name="ianaId"/> as the browser's zone; false (and UTC kept) when this machine does not know it.
    /// </summary>
    public bool SetZone(string? ianaId)
    {
        if (string.IsNullOrWhiteSpace(ianaId) || !TimeZoneInfo.TryFindSystemTimeZoneById(ianaId, out var zone))
        {
            return false;
        }

        _zone = zone;
        return true;
    }

    /// <summary>Asks the browser once; true when the zone became known by this call.</summary>
    public async Task<bool> EnsureAsync(IJSRuntime js)
    {
        if (_zone is not null)
        {
            return false;
        }

        _asking ??= AskAsync(js);
        var id = await _asking;
        return _zone is null && SetZone(id);
    }

    private static async Task<string?> AskAsync(IJSRuntime js)
    {
        try
        {
            // Not disposed: charts share the imported module, and it lives as long as the circuit anyway.
            var module = await js.InvokeAsync<IJSObjectReference>("import", LiveLineChart.ModulePath);
            return module is null ? null : await module.InvokeAsync<string?>("timeZone");
        }
        catch (JSException)
        {
            return null;
        }
        catch (JSDisconnectedException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            // The circuit went away while asking.
            return null;
        }
        catch (InvalidOperationException)
        {
            // Prerendering: no browser yet.
            return null;
        }
    }
}
