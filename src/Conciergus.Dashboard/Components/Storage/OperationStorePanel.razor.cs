using System.Globalization;
using Conciergus.Core.Operations;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Conciergus.Dashboard.Components.Storage;

/// <summary>The operation store on the Health page; refreshes itself every two seconds.</summary>
public sealed partial class OperationStorePanel : IDisposable
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);
    private ITimer? _timer;

    [Inject]
    public required IServiceProvider Services { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    /// <summary>The store's status, or null when the store is not registered.</summary>
    internal OperationStoreStatus? Status => Services.GetService<IOperationStore>()?.Status;

    /// <inheritdoc />
    protected override void OnInitialized() =>
        _timer = Time.CreateTimer(static state => ((OperationStorePanel)state!).Refresh(), this, RefreshInterval, RefreshInterval);

    /// <inheritdoc />
    public void Dispose() => _timer?.Dispose();

    internal static string StateText(OperationStoreState state) => state.ToString().ToLowerInvariant();

    private static Color StateColor(OperationStoreState state) => state switch
    {
        OperationStoreState.Healthy => Color.Success,
        OperationStoreState.Degraded => Color.Warning,
        _ => Color.Default,
    };

    private static string Bytes(long bytes) => bytes switch
    {
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.##} GB"),
    };

    private void Refresh() => _ = InvokeAsync(StateHasChanged);
}
