using Conciergus.Core.Alerts;
using Conciergus.Core.Audit;
using Conciergus.Core.Storage;
using Conciergus.Core.TimeSeries;
using LiteDB;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>
/// Issue 15 item 11: a silence saved at the instant of a SIGKILL had no audit entry. A change and its audit entry now
/// commit in one LiteDB transaction: a fault injected between the two writes (after the change is written, before the
/// entry is) leaves neither, on disk, in memory and in the trail.
/// </summary>
public sealed class AuditAtomicityTests : IAsyncLifetime
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "conciergus-tests", "atomic-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private ConciergusDatabase _database = null!;
    private AuditLog _log = null!;

    public Task InitializeAsync()
    {
        Open();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await CloseAsync();
        try
        {
            Directory.Delete(_path, recursive: true);
        }
        catch (IOException)
        {
            // left behind
        }
    }

    [Fact]
    public async Task AppendWith_FaultBetweenChangeAndEntry_NeitherKept()
    {
        var before = _log.HeadSequence;

        var failed = await Assert.ThrowsAsync<IOException>(async () => await _log.AppendWithAsync(Event("thing.save"), () =>
        {
            _database.Database.GetCollection("things").Insert(new BsonDocument { ["_id"] = "t1" });
            throw new IOException("killed between the change and its audit entry");
        }));
        await RestartAsync();

        Assert.Contains("killed", failed.Message, StringComparison.Ordinal);
        Assert.Equal(before, _log.HeadSequence);
        Assert.Equal(0, _database.Database.GetCollection("things").Count());
        Assert.True((await _log.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task AppendWith_NoFault_BothKeptAcrossARestart()
    {
        await _log.AppendAsync(Event("before"));

        var entry = await _log.AppendWithAsync(Event("thing.save"), () => _database.Database.GetCollection("things").Insert(new BsonDocument { ["_id"] = "t1" }));
        await RestartAsync();

        Assert.Equal(2, entry.Sequence);
        Assert.Equal(1, _database.Database.GetCollection("things").Count());
        Assert.Equal("thing.save", Assert.Single(_log.Query(new AuditQuery { Action = "thing.save" }).Entries).Action);
        Assert.True((await _log.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task CreateSilence_FaultBetweenSilenceAndAuditEntry_NoSilenceAnywhere()
    {
        var service = Alerts(new FaultBetweenWrites(_log));

        await Assert.ThrowsAsync<IOException>(() => service.CreateSilenceAsync(Silence(), new Actor("olga", "Operator")));

        Assert.Empty(service.Silences());
        await RestartAsync();
        Assert.Empty(Alerts(_log).Silences());
        Assert.Empty(_log.Query(new AuditQuery { Action = "silence.create" }).Entries);
        Assert.True((await _log.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task CreateSilence_NoFault_SilenceAndEntryBothThere()
    {
        var created = await Alerts(_log).CreateSilenceAsync(Silence(), new Actor("olga", "Operator"));
        await RestartAsync();

        Assert.Equal(created.Id, Assert.Single(Alerts(_log).Silences()).Id);
        Assert.Equal(created.Id, Assert.Single(_log.Query(new AuditQuery { Action = "silence.create" }).Entries).Target);
    }

    [Fact]
    public async Task SaveReceiver_FaultBetween_NoReceiverAndNoEntry()
    {
        var service = Alerts(new FaultBetweenWrites(_log));

        await Assert.ThrowsAsync<IOException>(() => service.SaveReceiverAsync(new AlertReceiver { Name = "pager", Url = "https://pager.example.com/hook" }, new Actor("ada", "Admin")));

        Assert.DoesNotContain(service.Receivers(), r => r.Name == "pager");
        await RestartAsync();
        Assert.DoesNotContain(Alerts(_log).Receivers(), r => r.Name == "pager");
        Assert.Empty(_log.Query(new AuditQuery { Action = "receiver.save" }).Entries);
    }

    private static AuditEvent Event(string action) => new() { Actor = "tester", Role = "Admin", Action = action, Target = "t1" };

    private Silence Silence() => new()
    {
        Id = "s1",
        Matchers = [new LabelMatcher("alertname", MatchOperator.Equal, "High error rate")],
        StartsAt = _time.GetUtcNow(),
        EndsAt = _time.GetUtcNow().AddHours(1),
        CreatedBy = "olga",
        Comment = "maintenance",
    };

    private AlertService Alerts(IAuditLog audit)
    {
        var ts = new TimeSeriesOptions();
        var sources = new AlertDataSources { Cache = new TimeSeriesCache(ts, _time), Ledger = new UserCostLedger(ts, _time) };
        return new AlertService(_database, sources, _time, Options.Create(new AlertsOptions()), [new Conciergus.Dashboard.Tests.Alerts.RecordingChannel()], [audit]);
    }

    private void Open()
    {
        var directory = new DataDirectory(Options.Create(new ConciergusOptions { DataDirectory = _path }), _path);
        var auditOptions = Options.Create(new AuditOptions());
        _database = new ConciergusDatabase(directory);
        _log = new AuditLog(_database, new AuditCheckpointFile(new AuditKey(auditOptions, directory), directory), auditOptions, _time);
    }

    private async Task CloseAsync()
    {
        await _log.ShutdownAsync();
        _database.Dispose();
    }

    private async Task RestartAsync()
    {
        await CloseAsync();
        Open();
    }

    /// <summary>The fault injector: the real log, with the process "dying" right after the change is written, before its entry.</summary>
    private sealed class FaultBetweenWrites(AuditLog inner) : IAuditLog
    {
        public ValueTask<AuditEntry> AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default) => inner.AppendAsync(auditEvent, cancellationToken);

        public ValueTask<AuditEntry> AppendWithAsync(AuditEvent auditEvent, Action write, CancellationToken cancellationToken = default) =>
            inner.AppendWithAsync(auditEvent, () =>
            {
                write();
                throw new IOException("killed between the change and its audit entry");
            }, cancellationToken);
    }
}
