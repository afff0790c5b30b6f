using Conciergus.Dashboard.Components.Charts;
using Microsoft.JSInterop;

namespace Conciergus.Dashboard.Components;

/// <summary>
/// The browser's time zone for one circuit (a scoped service), as the Aspire dashboard's BrowserTimeProvider: a
/// <see cref="TimeProvider"/> whose <see cref="LocalTimeZone"/> is the browser's IANA zone (asked once, with
/// <c>Intl.DateTimeFormat().resolvedOptions().timeZone</c>), so every time is converted with the rules in force at
/// that instant: history across a daylight-saving change reads right. Until the browser answered, times show in UTC
/// and say so. The clock itself is the application's <see cref="TimeProvider"/>.
/// The operator may choose UTC instead (the app bar's clock setting, kept in localStorage): then <see cref="Zone"/> is
/// UTC on every page, charts included, so the whole dashboard shows one clock (issue 22 item 1).
/// </summary>
public sealed class BrowserTime : TimeProvider
{
    private readonly TimeProvider _clock;
    private Task<ClockAnswer?>? _asking;
    private TimeZoneInfo? _zone;

    /// <summary>Creates the circuit's browser time on the application's clock (the system clock when none is given).</summary>
    public BrowserTime(TimeProvider? clock = null)
    {
        _clock = clock is null or BrowserTime ? System : clock;
    }

    /// <summary>Whether the browser's zone is known.</summary>
    public bool Known => _zone is not null;

    /// <summary>Whether the operator chose UTC over the browser's zone.</summary>
    public bool UseUtc { get; set; }

    /// <summary>The browser's own zone (UTC until known), whatever the setting.</summary>
    public TimeZoneInfo BrowserZone => _zone ?? TimeZoneInfo.Utc;

    /// <summary>The zone to render with: UTC when chosen or until the browser's is known.</summary>
    public TimeZoneInfo Zone => UseUtc ? TimeZoneInfo.Utc : BrowserZone;

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

    /// <summary>Zone label: the IANA id ("Europe/Berlin"), or "UTC" when chosen or until known.</summary>
    public string Label => !UseUtc && _zone is { } z && z != TimeZoneInfo.Utc ? z.Id : "UTC";

    /// <summary><paramref name="time"/> in the chosen zone as text ("yyyy-MM-dd HH:mm:ss" by default); a dash for none.</summary>
    public string Format(DateTimeOffset? time, string format = "yyyy-MM-dd HH:mm:ss") =>
        time is { } t ? ToLocal(t).ToString(format, global::System.Globalization.CultureInfo.InvariantCulture) : Formatting.Missing;

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

    /// <summary>Asks the browser once (its zone and the clock setting); true when the zone in use changed by this call.</summary>
    public async Task<bool> EnsureAsync(IJSRuntime js)
    {
        if (_zone is not null)
        {
            return false;
        }

        _asking ??= AskAsync(js);
        var answer = await _asking;
        if (_zone is not null || answer is null)
        {
            return false;
        }

        var before = Zone;
        UseUtc = answer.Utc;
        SetZone(answer.Zone);
        return Zone != before;
    }

    /// <summary>Chooses UTC or the browser's zone and remembers it in the browser (localStorage).</summary>
    public async Task SetUseUtcAsync(IJSRuntime js, bool utc)
    {
        ArgumentNullException.ThrowIfNull(js);
        UseUtc = utc;
        try
        {
            var module = await js.InvokeAsync<IJSObjectReference>("import", LiveLineChart.ModulePath);
            await module.InvokeVoidAsync("setClock", utc);
        }
        catch (JSException)
        {
            // Not remembered; it still applies to this circuit.
        }
    }

    private static async Task<ClockAnswer?> AskAsync(IJSRuntime js)
    {
        try
        {
            // Not disposed: charts share the imported module, and it lives as long as the circuit anyway.
            var module = await js.InvokeAsync<IJSObjectReference>("import", LiveLineChart.ModulePath);
            return module is null ? null : new ClockAnswer(await module.InvokeAsync<bool>("clockIsUtc"), await module.InvokeAsync<string?>("timeZone"));
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

/// <summary>What the browser says about time: its IANA zone and whether the operator chose UTC.</summary>
/// <param name="Utc">The app bar's clock setting is UTC.</param>
/// <param name="Zone">The browser's IANA zone.</param>
internal sealed record ClockAnswer(bool Utc, string? Zone);
