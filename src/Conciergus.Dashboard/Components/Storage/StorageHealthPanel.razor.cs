using Conciergus.Core.Storage;
using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Components.Storage;

/// <summary>Shows an error on the Health page when the database file could not be opened at start.</summary>
public sealed partial class StorageHealthPanel
{
    [Inject]
    public required IServiceProvider Services { get; init; }

    /// <summary>The database's health, or null when storage is not registered.</summary>
    internal StorageHealth? Health => Services.GetService<ConciergusDatabase>()?.Health;
}
