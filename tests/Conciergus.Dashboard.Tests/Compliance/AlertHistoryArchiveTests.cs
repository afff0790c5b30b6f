using Conciergus.Core.Alerts;
using Conciergus.Core.Audit;
using Conciergus.Dashboard.Tests.Alerts;

namespace Conciergus.Dashboard.Tests.Compliance;

/// <summary>
/// Issue 19 item 3: alert history that retention removes (resolved instances and expired silences past
/// Conciergus:Alerts:ResolvedRetention) is first written to a hash-listed archive whose digest goes into the audit trail.
/// </summary>
public sealed class AlertHistoryArchiveTests : IDisposable
{
    private readonly string _archiveDirectory = Path.Combine(Path.GetTempPath(), "conciergus-tests", "archive-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_archiveDirectory))
        {
            Directory.Delete(_archiveDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Purge_ResolvedInstanceAndExpiredSilencePastRetention_ArchivedExactlyThenDeletedDigestAudited()
    {
        // Arrange: one alert fires and resolves; a silence ends; both age past a 1-day retention.
        using var host = new AlertTestHost(o => o.ResolvedRetention = TimeSpan.FromDays(1), archive: new RetentionArchive(_archiveDirectory));
        await host.AddRuleAsync(AlertTestHost.Rule());
        host.Values["exp"] = 2000;
        await host.StepAsync(TimeSpan.FromSeconds(10));
        host.Values["exp"] = 10;
        await host.StepAsync(TimeSpan.FromSeconds(10));
        var resolved = Assert.Single(host.Service.Instances());
        Assert.Equal(AlertState.Resolved, resolved.State);
        var silence = await host.Service.CreateSilenceAsync(
            new Silence { Id = "", Matchers = [new LabelMatcher("experiment", MatchOperator.Equal, "exp")], StartsAt = host.Time.GetUtcNow(), EndsAt = host.Time.GetUtcNow().AddMinutes(5), CreatedBy = "olga", Comment = "maintenance" },
            Actor.System);

        // Act: a day and a bit later the evaluator purges them.
        await host.StepAsync(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(10));

        // Assert: gone from the service, present in two archives whose digests the audit trail names.
        Assert.Empty(host.Service.Instances());
        Assert.DoesNotContain(host.Service.Silences(), s => s.Id == silence.Id);
        var purges = host.Audit.Events.Where(e => e.Action == "alerts.retention_purge").ToList();
        Assert.Equal(2, purges.Count);
        var contents = purges.Select(p => RetentionArchive.Read(p.Details!["archive"], p.Details["archiveSha256"])).ToDictionary(c => c.DataClass);
        Assert.All(contents.Values, c => Assert.True(c.Valid));
        Assert.Equal(resolved.Id, Assert.Single(contents["alert-instances"].Records)["_id"].AsString);
        Assert.Equal(silence.Id, Assert.Single(contents["alert-silences"].Records)["_id"].AsString);
        Assert.Equal(["1", "1"], purges.Select(p => p.Details!["count"]));
    }

    [Fact]
    public async Task Purge_ArchiveCannotBeWritten_NothingIsPurgedAndItIsTriedAgain()
    {
        // Arrange: the archive "folder" is a file, so writing fails.
        Directory.CreateDirectory(Path.GetDirectoryName(_archiveDirectory)!);
        await File.WriteAllTextAsync(_archiveDirectory, "not a folder");
        try
        {
            using var host = new AlertTestHost(o => o.ResolvedRetention = TimeSpan.FromDays(1), archive: new RetentionArchive(_archiveDirectory));
            await host.AddRuleAsync(AlertTestHost.Rule());
            host.Values["exp"] = 2000;
            await host.StepAsync(TimeSpan.FromSeconds(10));
            host.Values["exp"] = 10;
            await host.StepAsync(TimeSpan.FromSeconds(10));

            // Act
            await host.StepAsync(TimeSpan.FromDays(2));

            // Assert: the resolved alert is kept and nothing claims a purge.
            Assert.Single(host.Service.Instances());
            Assert.DoesNotContain(host.Audit.Events, e => e.Action == "alerts.retention_purge");

            // Once the folder can be written, the next evaluation archives and purges.
            File.Delete(_archiveDirectory);
            await host.StepAsync(TimeSpan.FromSeconds(10));
            Assert.Empty(host.Service.Instances());
            Assert.Single(host.Audit.Events, e => e.Action == "alerts.retention_purge");
        }
        finally
        {
            if (File.Exists(_archiveDirectory))
            {
                File.Delete(_archiveDirectory); // the folder the retry created is deleted by Dispose
            }
        }
    }
}
