using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Dashboard.Tests.Operations;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Conciergus.Dashboard.Tests.Compliance;

/// <summary>
/// Issue 19 item 2: delayed anonymisation of the "operations" data class on a fake clock (a real DuckDB store): ids
/// older than the delay become keyed pseudonyms (or are removed), totals stay, the bytes leave the file, the run is
/// audited and the report says what was anonymised and when.
/// </summary>
public sealed class AnonymisationTests
{
    private const string Alice = "alice-7f3a9c21";
    private const string Bob = "bob-2e81d0c4";

    private static AiOperation Op(int n, DateTimeOffset start, string user, string? session) => new()
    {
        OperationId = $"op-{n}",
        StartTime = start,
        DurationMs = 100 + n,
        Provider = "openai",
        RequestModel = "gpt-4o",
        InputTokens = 100 * n,
        OutputTokens = 10 * n,
        CostUsd = 0.001m * n,
        Pricing = PricingStatus.Provided,
        Application = "support-bot",
        UserId = user,
        SessionId = session,
    };

    private static (ComplianceRetention Retention, ComplianceReportBuilder Reports) Compliance(ComplianceTestHost host, TempOperationStore store, string mode)
    {
        host.Options.Anonymise[DataClasses.Operations] = new AnonymisationRule { After = TimeSpan.FromDays(90), Mode = mode };
        var options = MsOptions.Create(host.Options);
        var retention = new ComplianceRetention(host.Audit, host.Decisions, host.Requests, host.Policies, host.Time, NullLogger<ComplianceRetention>.Instance,
            archive: host.Archive, operationStore: store.Store, key: host.Key, options: options);
        return (retention, new ComplianceReportBuilder(host.Audit, host.Decisions, host.Policies, retention, host.Consent, host.Requests, options, host.Time));
    }

    private static async Task<List<AiOperation>> AllAsync(TempOperationStore store, DateTimeOffset now)
    {
        var all = new List<AiOperation>();
        await foreach (var op in store.Store.ReadAsync(now.AddYears(-2), now.AddDays(1), OperationFilter.Empty))
        {
            all.Add(op);
        }

        return [.. all.OrderBy(o => o.OperationId, StringComparer.Ordinal)];
    }

    private static bool OnDisk(TempOperationStore store, string text) => FileContains(store.FilePath, text) || FileContains(store.FilePath + ".wal", text);

    private static bool FileContains(string path, string text) =>
        File.Exists(path) && File.ReadAllBytes(path).AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0;

    [Fact]
    public async Task Operations_OlderThanTheDelay_IdsBecomeKeyedPseudonymsTotalsStayReportSaysWhen()
    {
        await using var host = new ComplianceTestHost();
        await using var store = new TempOperationStore(time: host.Time);
        var now = host.Time.GetUtcNow();
        store.Store.TryAppend(Op(1, now.AddDays(-100), Alice, "sess-" + Alice));
        store.Store.TryAppend(Op(2, now.AddDays(-95), Alice, null));
        store.Store.TryAppend(Op(3, now.AddDays(-91), Bob, "sess-" + Bob));
        store.Store.TryAppend(Op(4, now.AddDays(-10), Alice, "sess-" + Alice));
        store.Store.TryAppend(Op(5, now.AddDays(-1), Bob, null));
        await store.Store.FlushAsync();
        var query = new OperationQuery { From = now.AddYears(-1), To = now.AddDays(1) };
        var before = (await store.Store.AggregateAsync(query))[0];
        var (retention, reports) = Compliance(host, store, AnonymisationRule.Pseudonym);
        Assert.True(OnDisk(store, "sess-" + Bob), "the id must be on disk before the run for the test to mean anything");

        var run = await retention.PurgeAsync("system", "System");

        // Ids older than 90 days: one pseudonym per id ("anon:" + 16 hex), the same for the same person; recent ones as they were.
        var ops = await AllAsync(store, now);
        var anonymised = Assert.Single(run.Anonymised);
        Assert.Equal((DataClasses.Operations, AnonymisationRule.Pseudonym, now.AddDays(-90), 3L), (anonymised.DataClass, anonymised.Mode, anonymised.Before, anonymised.Records));
        Assert.All(ops.Take(3), o => Assert.Matches("^anon:[0-9a-f]{16}$", o.UserId!));
        Assert.Equal(ops[0].UserId, ops[1].UserId);
        Assert.NotEqual(ops[0].UserId, ops[2].UserId);
        Assert.Matches("^anon:[0-9a-f]{16}$", ops[0].SessionId!);
        Assert.Null(ops[1].SessionId);
        Assert.Equal((Alice, "sess-" + Alice), (ops[3].UserId, ops[3].SessionId));
        Assert.Equal(Bob, ops[4].UserId);

        // Analytics keep their totals.
        var after = (await store.Store.AggregateAsync(query))[0];
        Assert.Equal((before.Requests, before.InputTokens, before.OutputTokens, before.CostUsd), (after.Requests, after.InputTokens, after.OutputTokens, after.CostUsd));

        // Bob's session id was only on an operation older than the delay: it has left the file (rewritten) and its log.
        Assert.False(OnDisk(store, "sess-" + Bob));

        // Audited, and the report states what and when.
        var entry = host.Audit.Query(new AuditQuery { Action = ComplianceRetention.PurgeAction, Limit = 1 }).Entries.Single();
        Assert.Equal("3", entry.Details!["operations.anonymised"]);
        Assert.Equal(AuditCanonical.FormatTimestamp(now.AddDays(-90)), entry.Details["operations.anonymisedBefore"]);
        Assert.Equal("pseudonym", entry.Details["operations.anonymiseMode"]);
        var control = (await reports.BuildAsync()).Controls.Single(c => c.Name == "Delayed anonymisation");
        Assert.Contains("operations: user and session ids after 90 days, replaced by a keyed pseudonym.", control.Evidence, StringComparison.Ordinal);
        Assert.Contains($"3 operations records that started before {ComplianceReportBuilder.Time(now.AddDays(-90))} anonymised (pseudonym)", control.Evidence, StringComparison.Ordinal);

        // 81 days later the operation of 10 days ago is 91 days old: the next run takes it, and only it.
        host.Time.Advance(TimeSpan.FromDays(81));
        var later = await retention.PurgeAsync("system", "System");
        Assert.Equal(1, Assert.Single(later.Anonymised).Records);
        ops = await AllAsync(store, host.Time.GetUtcNow());
        Assert.Equal(ops[0].UserId, ops[3].UserId); // the same keyed pseudonym: per-person counts over old data still add up
        Assert.Equal(Bob, ops[4].UserId);
        retention.Dispose();
    }

    [Fact]
    public async Task Operations_RemoveMode_IdsGoneTotalsStay()
    {
        await using var host = new ComplianceTestHost();
        await using var store = new TempOperationStore(time: host.Time);
        var now = host.Time.GetUtcNow();
        store.Store.TryAppend(Op(1, now.AddDays(-120), Alice, "sess-" + Alice));
        store.Store.TryAppend(Op(2, now.AddDays(-5), Alice, "sess-" + Alice));
        await store.Store.FlushAsync();
        var query = new OperationQuery { From = now.AddYears(-1), To = now.AddDays(1) };
        var before = (await store.Store.AggregateAsync(query))[0];
        var (retention, _) = Compliance(host, store, AnonymisationRule.Remove);

        var run = await retention.PurgeAsync("system", "System");

        var ops = await AllAsync(store, now);
        Assert.Equal(1, Assert.Single(run.Anonymised).Records);
        Assert.Equal((null, null), (ops[0].UserId, ops[0].SessionId));
        Assert.Equal(Alice, ops[1].UserId);
        var after = (await store.Store.AggregateAsync(query))[0];
        Assert.Equal((before.Requests, before.CostUsd), (after.Requests, after.CostUsd));
        retention.Dispose();
    }

    [Fact]
    public void Options_AnonymiseAClassWithoutIdentifiersOrABadMode_RefusedWithTheReason()
    {
        var options = new ComplianceOptions();
        options.Anonymise["audit"] = new AnonymisationRule { After = TimeSpan.FromDays(90) };
        options.Anonymise[DataClasses.Operations] = new AnonymisationRule { After = TimeSpan.FromDays(90), Mode = "hash" };

        var result = new ComplianceOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Anonymise:audit: only 'operations' holds identifiers", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Mode must be 'pseudonym' or 'remove' (got 'hash')", StringComparison.Ordinal));
    }
}
