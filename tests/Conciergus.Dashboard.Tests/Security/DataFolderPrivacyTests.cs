using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Storage;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>
/// Issue 15 item 13: the data folder (database, its log, generated secrets, audit checkpoints) is 0700 with 0600 files,
/// also when it existed before with looser modes, and anonymous /healthz does not tell where it is.
/// </summary>
public sealed class DataFolderPrivacyTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "conciergus-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task DataFolder_ExistingLooseFolderAndFiles_AreMadePrivateAndNewFilesArePrivate()
    {
        // Arrange: a folder left 0755 with a 0644 file, as the issue found them.
        Directory.CreateDirectory(_dataDirectory);
        File.SetUnixFileMode(_dataDirectory, (UnixFileMode)0b111_101_101);
        var stale = Path.Combine(_dataDirectory, "notes.txt");
        await File.WriteAllTextAsync(stale, "left over");
        File.SetUnixFileMode(stale, (UnixFileMode)0b110_100_100);

        // Act: start the app on it and make it write (a sign-in writes the database and its log, and the audit trail).
        using (var factory = new ConciergusAppFactory(dataDirectory: _dataDirectory))
        {
            using var client = await factory.CreateSignedInClientAsync(Conciergus.Dashboard.Security.ConciergusRole.Admin);
            factory.Services.GetRequiredService<ConciergusDatabase>().Database.Checkpoint();
        }

        // Assert: every folder 0700, every file 0600, the database among them.
        Assert.Equal(DataDirectory.PrivateDirectoryMode, File.GetUnixFileMode(_dataDirectory));
        // A file the stopping app removes meanwhile (DuckDB's write-ahead log after its last checkpoint) has no mode to check.
        var entries = new List<(FileSystemInfo Entry, UnixFileMode Mode)>();
        foreach (var e in new DirectoryInfo(_dataDirectory).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            try
            {
                entries.Add((e, File.GetUnixFileMode(e.FullName)));
            }
            catch (FileNotFoundException)
            {
            }
        }

        Assert.Contains(entries, e => e.Entry.Name == ConciergusDatabase.FileName);
        Assert.All(entries, e => Assert.True(
            e.Mode == (e.Entry is DirectoryInfo ? DataDirectory.PrivateDirectoryMode : DataDirectory.PrivateFileMode),
            $"{e.Entry.Name} is {e.Mode}"));
    }

    [Fact]
    public async Task Healthz_Anonymous_DoesNotShowTheDatabasePath_SignedInDoes()
    {
        using var factory = new ConciergusAppFactory(dataDirectory: _dataDirectory);
        using var anonymous = factory.CreateClient();
        using var viewer = factory.CreateApiClient(Conciergus.Dashboard.Security.ConciergusRole.Viewer);

        var anonymousBody = await anonymous.GetStringAsync("/healthz");
        var signedIn = await viewer.GetFromJsonAsync<JsonElement>("/healthz");

        Assert.DoesNotContain(_dataDirectory, anonymousBody, StringComparison.Ordinal);
        Assert.DoesNotContain(ConciergusDatabase.FileName, anonymousBody, StringComparison.Ordinal);
        Assert.Equal("healthy", JsonDocument.Parse(anonymousBody).RootElement.GetProperty("storage").GetProperty("status").GetString());
        Assert.Equal(Path.Combine(_dataDirectory, ConciergusDatabase.FileName), signedIn.GetProperty("storage").GetProperty("file").GetString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // a temp folder left behind is not a test failure
        }
    }
}
