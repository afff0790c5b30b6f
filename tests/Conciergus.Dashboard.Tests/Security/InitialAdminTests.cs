using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Conciergus.Core.Storage;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Security;

public sealed partial class InitialAdminTests
{
    [Fact]
    public async Task Start_NoUsersAndConfiguredPassword_AdminSignsInAndDbHoldsNoPlaintext()
    {
        using var factory = new ConciergusAppFactory();
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await ConciergusAppFactory.SignInAsync(client, "admin", ConciergusAppFactory.AdminPassword);

        Assert.Equal("/", response.Headers.Location!.OriginalString);
        var user = factory.Services.GetRequiredService<UserStore>().Find("admin");
        Assert.Equal(ConciergusRole.Admin, user!.Role);
        AssertNotInDatabase(factory, ConciergusAppFactory.AdminPassword);
    }

    [Fact]
    public async Task Start_NoUsersNoPassword_GeneratesOnePrintedOnceHashStored()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = new ConciergusAppFactory(
            new() { ["Conciergus:Auth:InitialAdminPassword"] = null },
            configureServices: services => services.AddSingleton<ILoggerProvider>(logs));
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var printed = logs.Messages.Where(m => m.Contains("Initial admin password", StringComparison.Ordinal)).ToList();
        var password = GeneratedPassword().Match(Assert.Single(printed)).Groups[1].Value;
        Assert.True(password.Length >= 20, password);

        var response = await ConciergusAppFactory.SignInAsync(client, "admin", password);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
        AssertNotInDatabase(factory, password);
    }

    [Fact]
    public async Task EnsureAsync_SecondStart_CreatesNothingAndPrintsNothing()
    {
        var directory = Path.Combine(Path.GetTempPath(), "conciergus-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var logs = new CapturingLoggerProvider();
            using (var database = new ConciergusDatabase(new DataDirectory(Options.Create(new ConciergusOptions { DataDirectory = directory }), directory)))
            {
                var users = new UserStore(database, new FakeTimeProvider());
                var audit = new SecurityAudit(new ServiceCollection().BuildServiceProvider(), NullLogger<SecurityAudit>.Instance);
                using var loggerFactory = new LoggerFactory([logs]);
                InitialAdmin Seeder() => new(users, audit, Options.Create(new AuthOptions()), loggerFactory.CreateLogger<InitialAdmin>());

                Assert.True(await Seeder().EnsureAsync());
                Assert.False(await Seeder().EnsureAsync());
                Assert.Equal(1, users.Count);
            }

            Assert.Single(logs.Messages, m => m.Contains("Initial admin password", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void AssertNotInDatabase(ConciergusAppFactory factory, string secret)
    {
        var database = factory.Services.GetRequiredService<ConciergusDatabase>();
        database.Database.Checkpoint();
        foreach (var file in Directory.GetFiles(factory.DataDirectory, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"{file} holds the password as UTF-8");
            Assert.True(bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(secret)) < 0, $"{file} holds the password as UTF-16");
        }

        Assert.NotEmpty(Directory.GetFiles(factory.DataDirectory, ConciergusDatabase.FileName));
    }

    [GeneratedRegex("Initial admin password: (\\S+)")]
    private static partial Regex GeneratedPassword();
}
