using Bunit;
using Conciergus.Core.Ingestion;
using Conciergus.Core.Storage;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class AdminPageTests : DashboardTestContext, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "conciergus-tests", Guid.NewGuid().ToString("N"));
    private readonly ConciergusDatabase _database;
    private readonly UserStore _users;
    private readonly RecordingAuditLog _audit = new();
    private readonly IngestionKeys _ingestionKeys;

    public AdminPageTests()
    {
        var dataDirectory = new DataDirectory(Options.Create(new ConciergusOptions { DataDirectory = _directory }), _directory);
        _database = new ConciergusDatabase(dataDirectory);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        _users = new UserStore(_database, time);
        _users.Create("test-admin", "test-admin-password", ConciergusRole.Admin);
        _users.Create("vera", "vera-password-123", ConciergusRole.Viewer);
        var keys = new ApiKeyStore(_database, Options.Create(new ApiOptions()), time);
        var audit = new SecurityAudit(new ServiceCollection().AddSingleton<Conciergus.Core.Audit.IAuditLog>(_audit).BuildServiceProvider(), NullLogger<SecurityAudit>.Instance);
        _ingestionKeys = new IngestionKeys(Options.Create(new IngestionOptions()), dataDirectory, NullLogger<IngestionKeys>.Instance, time);
        Services.AddSingleton(new UserAdministration(_users, keys, audit, Options.Create(new AuthOptions()), _ingestionKeys));
        Services.AddSingleton<IOptions<AuthOptions>>(Options.Create(new AuthOptions()));
        Services.AddSingleton<TimeProvider>(time);
        Render<MudPopoverProvider>();
    }

    void IDisposable.Dispose()
    {
        _database.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Render_Admin_ListsUsers()
    {
        // Act
        var cut = Render<Admin>();

        // Assert
        var names = cut.FindAll("[data-testid='user-row']").Select(r => r.GetAttribute("data-user")).ToList();
        Assert.Equal(["test-admin", "vera"], names);
    }

    [Fact]
    public void CreateKey_Click_ShowsSecretOnceAndAudits()
    {
        // Arrange
        var cut = Render<Admin>();

        // Act
        cut.Find("[data-testid='create-key']").Click();

        // Assert
        cut.WaitForAssertion(() => Assert.Contains(ApiKeyStore.KeyPrefix, cut.Find("[data-testid='created-key']").TextContent, StringComparison.Ordinal));
        Assert.Single(cut.FindAll("[data-testid='key-row']"));
        var created = Assert.Single(_audit.Events);
        Assert.Equal(("test-admin", "apikey.create"), (created.Actor, created.Action));
    }

    [Fact]
    public void IngestionKey_ShowThenRotate_KeyHiddenUntilAskedNewKeyShownOldStillAcceptedAllAudited()
    {
        // Arrange: the generated key, shown masked by its last four characters.
        var old = File.ReadAllText(Path.Combine(_directory, IngestionKeys.GeneratedKeyFile)).Trim();
        var cut = Render<Admin>();
        var value = cut.Find("[data-testid='ingestion-key-value']").TextContent;
        Assert.DoesNotContain(old, value, StringComparison.Ordinal);
        Assert.EndsWith(old[^4..], value, StringComparison.Ordinal);

        // Act: show it, then rotate (two clicks: the button asks for confirmation).
        cut.Find("[data-testid='ingestion-key-show']").Click();
        cut.WaitForAssertion(() => Assert.Equal(old, cut.Find("[data-testid='ingestion-key-value']").TextContent));
        cut.Find("[data-testid='ingestion-key-rotate']").Click();
        cut.Find("[data-testid='ingestion-key-rotate-confirm']").Click();

        // Assert: the new key is shown and accepted, the old one too for the grace period (24 h by default), both audited.
        cut.WaitForAssertion(() => Assert.NotEqual(old, cut.Find("[data-testid='ingestion-key-value']").TextContent));
        var fresh = cut.Find("[data-testid='ingestion-key-value']").TextContent;
        Assert.StartsWith("cik_", fresh, StringComparison.Ordinal);
        Assert.True(_ingestionKeys.IsValid(fresh));
        Assert.True(_ingestionKeys.IsValid(old));
        Assert.Contains("accepted until", cut.Find("[data-testid='ingestion-key-previous']").TextContent, StringComparison.Ordinal);
        Assert.Equal(["ingestionkey.reveal", "ingestionkey.rotate"], _audit.Events.Select(e => e.Action));
        Assert.DoesNotContain(_audit.Events, e => e.Details is { } d && d.Values.Any(v => v.Contains(fresh, StringComparison.Ordinal) || v.Contains(old, StringComparison.Ordinal)));

        // Act: stop accepting the old key now.
        cut.Find("[data-testid='ingestion-key-retire']").Click();

        // Assert
        cut.WaitForAssertion(() => Assert.False(_ingestionKeys.IsValid(old)));
        Assert.True(_ingestionKeys.IsValid(fresh));
        Assert.Empty(cut.FindAll("[data-testid='ingestion-key-previous']"));
        Assert.Equal("ingestionkey.retire", _audit.Events[^1].Action);
    }
}
