using Conciergus.Core.Audit;
using Conciergus.Core.Changes;
using Conciergus.Core.Resilience;

using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

using MudBlazor;

namespace Conciergus.Dashboard.Components.Resilience;

/// <summary>
/// The circuit of every provider + model, live (re-rendered on each registry change, throttled, and every few
/// seconds so an elapsed break shows as half-open); Operators can force a circuit open or closed, or reset it (audited).
/// </summary>
public sealed partial class CircuitStateTable
{
    private static readonly TimeSpan Throttle = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    private IReadOnlyList<CircuitSnapshot> _circuits = [];
    private readonly ChangeFeed _clock = new();
    private ITimer? _timer;
    private bool _busy;
    private string? _error;

    /// <summary>Services, to resolve the registry only when resilience is registered.</summary>
    [Inject]
    public required IServiceProvider Services { get; init; }

    /// <summary>Clock.</summary>
    [Inject]
    public required TimeProvider Time { get; init; }

    /// <summary>Who is signed in.</summary>
    [Inject]
    public required AuthenticationStateProvider Auth { get; init; }

    private CircuitRegistry? Registry { get; set; }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timer?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        Registry = Services.GetService<CircuitRegistry>();
        if (Registry is null)
        {
            return;
        }

        _circuits = Registry.Snapshot();
        Listen(Registry.Changes, Throttle, Time);

        // An elapsed break shows as half-open without a registry change: re-read every few seconds as well.
        Listen(_clock, Throttle, Time);
        _timer = Time.CreateTimer(static s => ((ChangeFeed)s!).Notify(), _clock, Refresh, Refresh);
    }

    /// <inheritdoc />
    protected override Task OnLiveChangeAsync()
    {
        if (Registry is not null)
        {
            _circuits = Registry.Snapshot();
            StateHasChanged();
        }

        return Task.CompletedTask;
    }

    private static string StateName(CircuitStatus state) => state switch
    {
        CircuitStatus.Closed => "closed",
        CircuitStatus.HalfOpen => "half-open",
        _ => "open",
    };

    private static Color StateColor(CircuitStatus state) => state switch
    {
        CircuitStatus.Closed => Color.Success,
        CircuitStatus.HalfOpen => Color.Warning,
        _ => Color.Error,
    };

    private static string PinText(CircuitSnapshot c) => c.Forced switch
    {
        CircuitForce.Open => "forced open",
        CircuitForce.Closed => "forced closed",
        _ when c.HeldByAlerts.Count > 0 => $"held by {c.HeldByAlerts.Count} alert{(c.HeldByAlerts.Count == 1 ? "" : "s")}",
        _ => "",
    };

    private async Task ChangeAsync(CircuitSnapshot circuit, string action)
    {
        if (Registry is null)
        {
            return;
        }

        _busy = true;
        _error = null;
        try
        {
            var user = (await Auth.GetAuthenticationStateAsync()).User;
            var actor = ActorFactory.Of(user);
            var after = action switch
            {
                "circuit.force_open" => await Registry.ForceOpenAsync(circuit.Provider, circuit.Model, actor.Name),
                "circuit.force_close" => await Registry.ForceCloseAsync(circuit.Provider, circuit.Model, actor.Name),
                _ => await Registry.ResetAsync(circuit.Provider, circuit.Model, actor.Name),
            };
            await Services.GetRequiredService<AuditRecorder>().RecordByAsync(
                actor,
                action,
                $"{after.Provider}/{after.Model}",
                new Dictionary<string, string>(StringComparer.Ordinal) { ["state"] = after.State.ToString(), ["forced"] = after.Forced.ToString() });
            _circuits = Registry.Snapshot();
        }
#pragma warning disable CA1031 // Shown to the operator instead of tearing down the circuit.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error = $"Could not change the circuit: {e.Message}";
        }
        finally
        {
            _busy = false;
        }
    }
}
