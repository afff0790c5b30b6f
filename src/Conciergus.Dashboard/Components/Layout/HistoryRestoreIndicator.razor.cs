using System.Globalization;
using Conciergus.Core.History;
using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Components.Layout;

/// <summary>
/// "Restoring history N%" in the app bar while the operation store is read back into memory at start (the pages fill in
/// as it goes, and are complete when it disappears); "history only partly restored" when it failed. Nothing otherwise.
/// </summary>
public sealed partial class HistoryRestoreIndicator : IDisposable
{
    private HistoryRestoreProgress? _progress;
    private IDisposable? _subscription;

    [Inject]
    public required IServiceProvider Services { get; init; }

    /// <inheritdoc />
    public void Dispose() => _subscription?.Dispose();

    protected override void OnInitialized()
    {
        // Optional: hosts without history restore (some test hosts) show nothing.
        if (Services.GetService(typeof(HistoryRestoreService)) is not HistoryRestoreService restore)
        {
            return;
        }

        _progress = restore.Progress;
        if (!_progress.IsDone)
        {
            // The service throttles its reports (at most every 250 ms) and always sends the final one.
            _subscription = restore.Subscribe(p =>
            {
                _progress = p;
                _ = InvokeAsync(StateHasChanged);
            });
            _progress = restore.Progress; // a report between the first read and Subscribe is not lost
        }
    }

    private static string Percent(HistoryRestoreProgress p) => Math.Floor(p.Fraction * 100).ToString("0", CultureInfo.InvariantCulture);
}
