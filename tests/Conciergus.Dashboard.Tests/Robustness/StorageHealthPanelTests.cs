using Bunit;
using Conciergus.Core.Storage;
using Conciergus.Dashboard.Components.Storage;
using Conciergus.Dashboard.Tests.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Tests.Robustness;

/// <summary>The Health page's storage line: an error with the reason while conciergus.db is not open, nothing otherwise.</summary>
public sealed class StorageHealthPanelTests : DashboardTestContext
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "conciergus-storage-panel", Guid.NewGuid().ToString("N"));

    [Fact]
    public void Render_DatabaseLocked_ShowsTheReasonAndWhatStillWorks()
    {
        Directory.CreateDirectory(_dataDirectory);
        try
        {
            using var holder = new FileStream(Path.Combine(_dataDirectory, ConciergusDatabase.FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            using var database = new ConciergusDatabase(DataFolder());
            Services.AddSingleton(database);

            var panel = Render<StorageHealthPanel>();

            var alert = panel.Find("[data-testid=storage-unhealthy]");
            Assert.Contains("Storage unhealthy: conciergus.db is locked by another process", alert.TextContent, StringComparison.Ordinal);
            Assert.Contains("Ingestion, panels and live updates keep working in memory", alert.TextContent, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [Fact]
    public void Render_DatabaseOpen_ShowsNothing()
    {
        try
        {
            using var database = new ConciergusDatabase(DataFolder());
            Services.AddSingleton(database);

            var panel = Render<StorageHealthPanel>();

            Assert.Empty(panel.FindAll("[data-testid=storage-unhealthy]"));
        }
        finally
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private DataDirectory DataFolder() => new(Options.Create(new ConciergusOptions { DataDirectory = _dataDirectory }), _dataDirectory);
}
