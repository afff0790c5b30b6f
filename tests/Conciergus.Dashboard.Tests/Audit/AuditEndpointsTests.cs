using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conciergus.Core.Audit;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Audit;

public sealed class AuditEndpointsTests : IDisposable
{
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    // These tests reason about sequence numbers from 1: no initial admin, whose creation would be entry 1.
    private static readonly Dictionary<string, string?> EmptyTrail = new() { ["Conciergus:Auth:CreateInitialAdmin"] = "false" };

    private readonly ConciergusAppFactory _factory = new(EmptyTrail);

    public void Dispose() => _factory.Dispose();

    private AuditRecorder Recorder => _factory.Services.GetRequiredService<AuditRecorder>();

    [Fact]
    public async Task GetAudit_FiltersAndPaging_NewestFirst()
    {
        using var client = AuditApiClients.Create(_factory);
        await Recorder.RecordAsync(null, "auth.login", "alice");
        await Recorder.RecordAsync(null, "alert.acknowledge", "alert-1");
        await Recorder.RecordAsync(null, "alert.resolve", "alert-1");
        await Recorder.RecordAsync(null, "alert.acknowledge", "alert-2");

        var page = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=alert.&limit=2&offset=0");
        var byTarget = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit?target=alert-1");

        Assert.Equal(3, page.GetProperty("total").GetInt64());
        var sequences = page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal([4L, 3L], sequences);
        Assert.Equal("anonymous", page.GetProperty("entries")[0].GetProperty("actor").GetString());
        Assert.Equal(2, byTarget.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task GetAudit_TimeRange_UsesTheAuditTimestamps()
    {
        using var client = AuditApiClients.Create(_factory);
        await Recorder.RecordAsync(null, "alert.acknowledge");
        _factory.Time.Advance(TimeSpan.FromHours(2));
        await Recorder.RecordAsync(null, "alert.resolve");

        var late = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit?from=2026-11-27T13:00:00Z");
        var early = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit?to=2026-11-27T13:00:00Z");

        Assert.Equal("alert.resolve", late.GetProperty("entries")[0].GetProperty("action").GetString());
        Assert.Equal(1, late.GetProperty("total").GetInt64());
        Assert.Equal("alert.acknowledge", early.GetProperty("entries")[0].GetProperty("action").GetString());
    }

    [Theory]
    [InlineData("/api/v1/audit?from=yesterday")]
    [InlineData("/api/v1/audit?limit=0")]
    [InlineData("/api/v1/audit/export?format=xml")]
    public async Task Get_BadParameter_Returns400Problem(string url)
    {
        using var client = AuditApiClients.Create(_factory);

        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GetVerify_IntactChain_IsValid()
    {
        using var client = AuditApiClients.Create(_factory);
        await Recorder.RecordAsync(null, "alert.acknowledge");

        var result = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify");

        Assert.True(result.GetProperty("valid").GetBoolean());
        Assert.Equal(1, result.GetProperty("entries").GetInt64());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("firstInvalidSequence").ValueKind);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("reason").ValueKind);
    }

    [Fact]
    public async Task GetExport_Jsonl_IsAnAttachmentEndingWithItsOwnAuditEntry()
    {
        using var client = AuditApiClients.Create(_factory);
        await Recorder.RecordAsync(null, "alert.acknowledge", "alert-1");

        var response = await client.GetAsync("/api/v1/audit/export?format=jsonl");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.EndsWith(".jsonl", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        Assert.Equal(2, lines.Length);
        var exported = JsonSerializer.Deserialize<AuditEntry>(lines[1], WebJson)!;
        Assert.Equal("audit.export", exported.Action);
        Assert.Equal("jsonl", exported.Details!["format"]);
        Assert.Equal(AuditCanonical.Compute(exported).Hash, exported.Hash); // the export carries everything needed to re-verify
    }

    [Fact]
    public async Task GetExport_Csv_HasHeaderAndQuotedCells()
    {
        using var client = AuditApiClients.Create(_factory);
        await Recorder.RecordAsync(null, "alert.acknowledge", "=cmd,\"x\"");

        var text = await client.GetStringAsync("/api/v1/audit/export?format=csv");
        var lines = text.Split("\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.StartsWith("sequence,timestamp,actor,role,action,target,sourceIp,details,previousHash,hash,bodyHash,contentPurged", lines[0], StringComparison.Ordinal);
        Assert.Contains(",\"'=cmd,\"\"x\"\"\",", lines[1], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public async Task SubjectExportAndErase_LeaveNoTraceOfTheUserIdAndTheChainVerifies()
    {
        const string userId = "user-4711-zq";
        using var client = AuditApiClients.Create(_factory);
        var now = _factory.Time.GetUtcNow();
        _factory.Services.GetRequiredService<UserCostLedger>().Record(userId, now, 1.25m, 1000, 200);
        _factory.Services.GetRequiredService<RecentErrors>().Add(new AiOperation
        {
            OperationId = "op-1",
            StartTime = now.AddSeconds(-2),
            DurationMs = 900,
            Status = AiOperationStatus.Error,
            UserId = userId,
            SessionId = "session-9",
            Metadata = new Dictionary<string, string> { ["userId"] = userId, ["tier"] = "gold" },
        });

        // Export: everything held, keyed by store.
        var exportResponse = await client.GetAsync($"/api/v1/subjects/{userId}/export");
        var export = JsonDocument.Parse(await exportResponse.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, exportResponse.StatusCode);
        Assert.Equal("attachment", exportResponse.Content.Headers.ContentDisposition?.DispositionType);
        Assert.DoesNotContain(userId, exportResponse.Content.Headers.ContentDisposition?.FileName ?? "", StringComparison.Ordinal);
        Assert.Equal(userId, export.GetProperty("userId").GetString());
        Assert.Equal(1.25m, export.GetProperty("stores").GetProperty("userCosts")[0].GetProperty("costUsd").GetDecimal());
        Assert.Equal("op-1", export.GetProperty("stores").GetProperty("recentErrors")[0].GetProperty("operationId").GetString());

        // Erase: counts per store.
        var erase = await (await client.DeleteAsync($"/api/v1/subjects/{userId}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, erase.GetProperty("stores").GetProperty("userCosts").GetInt64());
        Assert.Equal(1, erase.GetProperty("stores").GetProperty("recentErrors").GetInt64());
        Assert.Equal(0, erase.GetProperty("stores").GetProperty("audit").GetInt64());
        var reference = erase.GetProperty("reference").GetString()!;
        Assert.StartsWith("subject:", reference, StringComparison.Ordinal);

        // Afterwards nothing is held, and the id appears in no store, no audit entry and no file.
        var again = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/subjects/{userId}/export")).RootElement.GetProperty("stores");
        Assert.All(again.EnumerateObject(), store => Assert.True(HoldsNothing(store.Value), $"{store.Name} still holds {store.Value}"));
        // An error sample that names the user is dropped, not kept without the id (issue 15 item 7).
        Assert.Empty(_factory.Services.GetRequiredService<RecentErrors>().Between(now.AddMinutes(-1), now.AddMinutes(1)));
        var auditExport = await client.GetStringAsync("/api/v1/audit/export?format=jsonl");
        Assert.DoesNotContain(userId, auditExport, StringComparison.Ordinal);
        Assert.Equal(3, auditExport.Split(reference).Length - 1); // export, erase, second export: same pseudonym
        foreach (var file in Directory.GetFiles(_factory.DataDirectory))
        {
            Assert.False(ContainsBytes(file, userId), $"{Path.GetFileName(file)} contains the user id");
        }

        var verification = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify");
        Assert.True(verification.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task RetentionTimer_AfterTheInterval_PurgesAndAuditsThePurge()
    {
        using var factory = new ConciergusAppFactory(new Dictionary<string, string?>(EmptyTrail) { ["Conciergus:Audit:Retention:default"] = "1d" });
        using var client = AuditApiClients.Create(factory);
        var recorder = factory.Services.GetRequiredService<AuditRecorder>();
        await recorder.RecordAsync(null, "alert.acknowledge");
        await recorder.RecordAsync(null, "alert.resolve");

        factory.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        var log = factory.Services.GetRequiredService<AuditLog>();
        for (var i = 0; i < 200 && log.HeadSequence < 3; i++)
        {
            await Task.Delay(25); // the timer hands the purge to the writer thread; wait for its entry
        }

        var purge = log.Get(3);
        Assert.Equal(AuditLog.RetentionPurgeAction, purge?.Action);
        Assert.Equal("2", purge!.Details!["deleted"]);
        var verification = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify");
        Assert.True(verification.GetProperty("valid").GetBoolean(), verification.GetProperty("reason").GetString());
        Assert.Equal(3, verification.GetProperty("firstSequence").GetInt64());
    }

    [Fact]
    public async Task AppStopped_Gracefully_WritesASignedShutdownCheckpointAtTheHead()
    {
        var directory = Path.Combine(Path.GetTempPath(), "conciergus-tests", Guid.NewGuid().ToString("N"));
        try
        {
            using (var factory = new ConciergusAppFactory(new Dictionary<string, string?>(EmptyTrail) { ["Conciergus:DataDirectory"] = directory }))
            {
                await factory.Services.GetRequiredService<AuditRecorder>().RecordAsync(null, "alert.acknowledge");
                await factory.Services.GetRequiredService<AuditRecorder>().RecordAsync(null, "alert.resolve");
            }

            var last = JsonDocument.Parse(File.ReadLines(Path.Combine(directory, AuditCheckpointFile.FileName)).Last()).RootElement;
            Assert.Equal("shutdown", last.GetProperty("kind").GetString());
            Assert.Equal(2, last.GetProperty("sequence").GetInt64());
            Assert.Equal(64, last.GetProperty("hmac").GetString()!.Length);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static bool ContainsBytes(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var haystack = memory.ToArray();
        return haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0 || haystack.AsSpan().IndexOf(Encoding.Unicode.GetBytes(text)) >= 0;
    }

    /// <summary>Stores export in their own shapes: null, an empty array, or an object of empty parts.</summary>
    private static bool HoldsNothing(JsonElement export) => export.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => true,
        JsonValueKind.Array => export.GetArrayLength() == 0,
        JsonValueKind.Object => export.EnumerateObject().All(p => HoldsNothing(p.Value)),
        _ => false,
    };
}
