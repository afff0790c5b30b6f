using Bunit;
using Conciergus.Core.Storage;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class AdminPageTests : DashboardTestContext, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "conciergus-tests", Guid.NewGuid().ToString("N"));
    private readonly ConciergusDatabase _database;
    private readonly UserStore _users;
    private readonly RecordingAuditLog _audit = new();

    public AdminPageTests()
    {
        _database = new ConciergusDatabase(new DataDirectory(Options.Create(new ConciergusOptions { DataDirectory = _directory }), _directory));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        _users = new UserStore(_database, time);
        _users.Create("test-admin", "test-admin-password", ConciergusRole.Admin);
        _users.Create("vera", "vera-password-123", ConciergusRole.Viewer);
        var keys = new ApiKeyStore(_database, Options.Create(new ApiOptions()), time);
        var audit = new SecurityAudit(new ServiceCollection().AddSingleton<Conciergus.Core.Audit.IAuditLog>(_audit).BuildServiceProvider(), NullLogger<SecurityAudit>.Instance);
        Services.AddSingleton(new UserAdministration(_users, keys, audit, Options.Create(new AuthOptions())));
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
}
