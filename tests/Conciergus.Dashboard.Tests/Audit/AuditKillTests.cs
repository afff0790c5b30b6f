using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Audit;
using Conciergus.Core.Storage;
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
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        using var process = StartDashboard(baseAddress);
        try
        {
            using var client = AuditApiClients.Create(baseAddress);
            await WaitUntilReadyAsync(client, process);

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
            while (answered.Count < 150 && DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(10);
            }

            // SIGKILL while the workers are still sending.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
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
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private Process StartDashboard(Uri baseAddress)
    {
        var dll = DashboardDll();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
        start.Environment["Conciergus__DataDirectory"] = _dataDirectory;
        start.Environment["Conciergus__Demo__Enabled"] = "false";
        start.Environment["Conciergus__Ingestion__ApiKeys__0"] = "kill-test-ingestion-key-0123456789";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in AuditApiClients.AdminApiKeyEnvironment)
        {
            start.Environment[key] = value;
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;

        // Drain the pipes so a chatty child never blocks on a full buffer.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The built dashboard: its own bin folder (same configuration as this test assembly), else the copy next to the tests.</summary>
    private static string DashboardDll()
    {
        var testBin = AppContext.BaseDirectory;
        var configuration = new DirectoryInfo(testBin).Parent!.Name; // bin/<Configuration>/net10.0/
        for (var dir = new DirectoryInfo(testBin); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Conciergus.Dashboard", "bin", configuration, "net10.0", "Conciergus.Dashboard.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.Combine(testBin, "Conciergus.Dashboard.dll");
    }

    private static async Task WaitUntilReadyAsync(HttpClient client, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(process.HasExited, "the dashboard exited during start");
            try
            {
                using var response = await client.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        Assert.Fail("the dashboard did not answer /healthz within 60 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
