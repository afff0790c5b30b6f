using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Audit;
using Conciergus.Core.Storage;
using Conciergus.Dashboard.Tests.Robustness;
using LiteDB;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Audit;

/// <summary>The dashboard as a child process, killed with SIGKILL in the middle of a burst of audited requests.</summary>
public sealed class AuditKillTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "conciergus-kill-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public async Task SigKill_DuringABurst_LosesNoAnsweredEntryAndTheChainVerifies()
    {
        using var child = await ChildDashboard.StartAsync(_dataDirectory);
        using var client = child.AdminClient();

        // A burst from 8 tasks: each DELETE appends one audit entry and answers with its sequence after the commit.
        var answered = new ConcurrentBag<(long Sequence, string Reference)>();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var response = await client.DeleteAsync($"/api/v1/subjects/kill-{worker}-{i}", stop.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        var body = await response.Content.ReadFromJsonAsync<JsonElement>(stop.Token);
                        answered.Add((body.GetProperty("auditSequence").GetInt64(), body.GetProperty("reference").GetString()!));
                    }
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or JsonException)
                {
                    // In flight when the process died: not answered, so nothing is promised about it.
                }
            }
        })).ToList();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (answered.Count < 150 && DateTime.UtcNow < deadline && !child.HasExited)
        {
            await Task.Delay(10);
        }

        // SIGKILL while the workers are still sending.
        await child.KillAsync();
        stop.Cancel();
        await Task.WhenAll(workers);

        Assert.True(answered.Count >= 150, $"only {answered.Count} requests were answered before the deadline");

        // Every answered request's entry is in the database file, as answered.
        using (var db = new LiteDatabase(new ConnectionString { Filename = Path.Combine(_dataDirectory, ConciergusDatabase.FileName), Connection = ConnectionType.Direct }))
        {
            var audit = db.GetCollection("audit");
            foreach (var (sequence, reference) in answered)
            {
                var doc = audit.FindById(sequence);
                Assert.True(doc is not null, $"answered entry {sequence} was lost");
                Assert.Equal(reference, doc["target"].AsString);
            }
        }

        // And after a restart the chain verifies.
        var options = Microsoft.Extensions.Options.Options.Create(new AuditOptions());
        var dataDirectory = new DataDirectory(Microsoft.Extensions.Options.Options.Create(new ConciergusOptions { DataDirectory = _dataDirectory }), _dataDirectory);
        using var database = new ConciergusDatabase(dataDirectory);
        await using var log = new AuditLog(database, new AuditCheckpointFile(new AuditKey(options, dataDirectory), dataDirectory), options, new FakeTimeProvider());
        var verification = await log.VerifyAsync();
        Assert.True(verification.Valid, verification.Reason);
        Assert.True(verification.Entries >= answered.Max(a => a.Sequence));
    }
}
