using Conciergus.Core.Audit;
using Conciergus.Core.Experiments;
using Conciergus.Core.Refusals;

namespace Conciergus.Dashboard.Tests.Experiments;

public sealed class ExperimentServiceTests : IDisposable
{
    private readonly ExperimentTestHost _host = new();

    private ExperimentService Service => _host.Service;

    [Fact]
    public async Task Lifecycle_DraftRunPauseResumeStop_RecordsHistoryAndAuditsEveryStep()
    {
        var actor = ExperimentTestHost.Operator;
        await Service.CreateAsync(ExperimentTestHost.Definition(), actor);
        await Service.StartAsync("prompt-tone", actor);
        _host.Time.Advance(TimeSpan.FromHours(1));
        await Service.PauseAsync("prompt-tone", actor);
        await Service.StartAsync("prompt-tone", actor);
        var stopped = await Service.StopAsync("prompt-tone", "friendly", actor);

        Assert.Equal(ExperimentState.Completed, stopped.State);
        Assert.Equal("friendly", stopped.Winner);
        Assert.Equal(ExperimentTestHost.Start, stopped.StartedAt);
        Assert.Equal(ExperimentTestHost.Start.AddHours(1), stopped.EndedAt);
        Assert.Equal(["create", "start", "pause", "resume", "stop"], stopped.History.Select(h => h.Action));
        Assert.All(stopped.History, h => Assert.Equal("olivia", h.Actor));
        Assert.Equal(
            ["experiment.create", "experiment.start", "experiment.pause", "experiment.resume", "experiment.stop"],
            _host.Audit.Events.Select(e => e.Action));
        Assert.All(_host.Audit.Events, e => Assert.Equal(("olivia", "Operator", "prompt-tone"), (e.Actor, e.Role, e.Target)));
        Assert.Equal("friendly", _host.Audit.Events[^1].Details!["winner"]);
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("stop")]
    public async Task Transition_FromDraft_IsRefusedWithConflict(string action)
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);

        var e = await Assert.ThrowsAsync<RefusalException>(() => action == "pause"
            ? Service.PauseAsync("prompt-tone", Actor.System)
            : Service.StopAsync("prompt-tone", null, Actor.System));

        Assert.Equal(RefusalKind.Conflict, e.Kind);
        Assert.Equal(ExperimentState.Draft, Service.Get("prompt-tone")!.State);
    }

    [Fact]
    public async Task Transition_AfterCompletion_IsRefused()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        await Service.StopAsync("prompt-tone", null, Actor.System);

        Assert.Equal(RefusalKind.Conflict, (await Assert.ThrowsAsync<RefusalException>(() => Service.StartAsync("prompt-tone", Actor.System))).Kind);
        Assert.Equal(RefusalKind.Conflict, (await Assert.ThrowsAsync<RefusalException>(() => Service.CancelAsync("prompt-tone", Actor.System))).Kind);
    }

    [Fact]
    public async Task Stop_UnknownWinner_IsInvalid()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);

        var e = await Assert.ThrowsAsync<RefusalException>(() => Service.StopAsync("prompt-tone", "nope", Actor.System));

        Assert.Equal(RefusalKind.Invalid, e.Kind);
        Assert.Equal(ExperimentState.Running, Service.Get("prompt-tone")!.State);
    }

    [Fact]
    public async Task Update_RunningExperimentVariants_IsRefusedButNameMayChange()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        var changed = ExperimentTestHost.Definition() with { Variants = [new() { Key = "control", Weight = 0.3 }, new() { Key = "friendly", Weight = 0.7 }] };

        var e = await Assert.ThrowsAsync<RefusalException>(() => Service.UpdateAsync("prompt-tone", changed, Actor.System));
        var renamed = await Service.UpdateAsync("prompt-tone", ExperimentTestHost.Definition() with { Name = "Warmer tone" }, Actor.System);

        Assert.Equal(RefusalKind.Conflict, e.Kind);
        Assert.Contains("new version", e.Message, StringComparison.Ordinal);
        Assert.Equal("Warmer tone", renamed.Name);
        Assert.Equal(0.5, renamed.Variants[0].Weight);
    }

    [Fact]
    public async Task Update_Draft_ChangesVariants()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);

        var updated = await Service.UpdateAsync("prompt-tone", ExperimentTestHost.Definition(weights: [0.3, 0.7]), Actor.System);

        Assert.Equal(0.7, updated.Variants[1].Weight);
    }

    [Fact]
    public async Task CreateVersion_OfRunningExperiment_CreatesEditableDraftV2()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);

        var v2 = await Service.CreateVersionAsync("prompt-tone", Actor.System);

        Assert.Equal(("prompt-tone-v2", 2, ExperimentState.Draft), (v2.Key, v2.Version, v2.State));
        Assert.Equal("You are warm and concise.", v2.Variants[1].Overrides.SystemPrompt);
    }

    [Fact]
    public async Task Stop_LateOperations_DoNotMoveFinalResults()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        _host.Operation("prompt-tone", "control", "u1");
        await Service.StopAsync("prompt-tone", null, Actor.System);

        _host.Operation("prompt-tone", "control", "u2"); // an in-flight call that finished after the stop

        Assert.Equal(1, Service.GetResults("prompt-tone").Variants[0].Operations);
    }

    [Fact]
    public async Task CreateVersion_AuditsCreateWithTheNewVersion()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);

        await Service.CreateVersionAsync("prompt-tone", Actor.System);

        var audit = _host.Audit.Events[^1];
        Assert.Equal(("experiment.create", "prompt-tone-v2", "2"), (audit.Action, audit.Target, audit.Details!["version"]));
    }

    [Fact]
    public async Task Create_InvalidDefinition_ReportsEveryFieldInWords()
    {
        var bad = ExperimentTestHost.Definition() with
        {
            Key = "Bad Key",
            Coverage = 1.5,
            HashVersion = 3,
            Variants = [new() { Key = "a", Weight = 0.7 }, new() { Key = "a", Weight = 0.7 }],
        };

        var e = await Assert.ThrowsAsync<RefusalException>(() => Service.CreateAsync(bad, Actor.System));

        Assert.Equal(RefusalKind.Invalid, e.Kind);
        Assert.Contains("key", e.Errors.Keys);
        Assert.Contains("coverage", e.Errors.Keys);
        Assert.Contains("hashVersion", e.Errors.Keys);
        Assert.Contains("variants[1].key", e.Errors.Keys);
        Assert.Contains(e.Errors["variants"], m => m.Contains("sum to 1", StringComparison.Ordinal));
        Assert.Empty(_host.Audit.Events);
    }

    [Fact]
    public async Task Create_AllWeightsZero_StoresEqualWeights()
    {
        var created = await Service.CreateAsync(ExperimentTestHost.Definition(weights: [0, 0]), Actor.System);

        Assert.All(created.Variants, v => Assert.Equal(0.5, v.Weight));
    }

    [Fact]
    public async Task Delete_Draft_RemovesIt_ButRunningIsRefused()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.CreateAsync(ExperimentTestHost.Definition(key: "other"), Actor.System);
        await Service.StartAsync("other", Actor.System);

        await Service.DeleteAsync("prompt-tone", Actor.System);

        Assert.Null(Service.Get("prompt-tone"));
        Assert.Equal(RefusalKind.Conflict, (await Assert.ThrowsAsync<RefusalException>(() => Service.DeleteAsync("other", Actor.System))).Kind);
    }

    [Fact]
    public async Task Assign_RunningExperiment_IsStickyAndMatchesHash()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(coverage: 0.8), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        var experiment = Service.Get("prompt-tone")!;

        for (var i = 0; i < 200; i++)
        {
            var user = $"u{i}";
            var expected = ExperimentHashing.Assign(experiment, user);
            Assert.Equal(expected, Service.Assign("prompt-tone", user));
            Assert.Equal(expected, Service.Assign("prompt-tone", user));
        }
    }

    [Fact]
    public async Task Assign_StoredAssignment_WinsAfterRestart()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        var first = Service.Assign("prompt-tone", "u1");

        _host.Restart();

        Assert.Equal(first, _host.Service.Assign("prompt-tone", "u1"));
        Assert.Equal(ExperimentState.Running, _host.Service.Get("prompt-tone")!.State);
    }

    [Fact]
    public async Task Assign_NotRunningOrNoUser_IsNotInExperiment()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);

        Assert.False(Service.Assign("prompt-tone", "u1").InExperiment);
        await Service.StartAsync("prompt-tone", Actor.System);
        Assert.False(Service.Assign("prompt-tone", null).InExperiment);
        Assert.False(Service.Assign("prompt-tone", "").InExperiment);
        Assert.Equal(RefusalKind.NotFound, Assert.Throws<RefusalException>(() => Service.Assign("missing", "u1")).Kind);
    }

    [Fact]
    public async Task TrackEvent_ScoresAndConversions_BecomeMetrics()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(primary: "score", minimumSampleSize: 2), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        var users = Enumerable.Range(0, 40).Select(i => $"user-{i}").ToList();
        foreach (var user in users)
        {
            var a = await Service.TrackEventAsync("prompt-tone", user, "score", 4);
            await Service.TrackEventAsync("prompt-tone", user, "score", a.Variant == "control" ? 2 : 4);
            if (a.Variant == "friendly")
            {
                await Service.TrackEventAsync("prompt-tone", user, "purchase");
            }
        }

        var results = Service.GetResults("prompt-tone");

        var control = results.Variants[0];
        var friendly = results.Variants[1];
        Assert.Equal(40, control.Users + friendly.Users);
        // Per-user means: control users (4 + 2) / 2 = 3, friendly users 4.
        Assert.Equal(3, control.Metrics["score"].Mean!.Value, 9);
        Assert.Equal(4, friendly.Metrics["score"].Mean!.Value, 9);
        Assert.Equal(1 / 3.0, friendly.Metrics["score"].Lift!.Value, 9);
        // A conversion: share of users with the event.
        Assert.Equal(0, control.Metrics["purchase"].Mean!.Value);
        Assert.Equal(1, friendly.Metrics["purchase"].Mean!.Value);
    }

    [Fact]
    public async Task TrackEvent_NotRunning_IsConflict()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);

        var e = await Assert.ThrowsAsync<RefusalException>(async () => await Service.TrackEventAsync("prompt-tone", "u1", "score", 1));

        Assert.Equal(RefusalKind.Conflict, e.Kind);
    }

    [Fact]
    public async Task Results_ClearWinnerWithoutGuardrailRegression_RecommendsStopWithWinner()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(minimumSampleSize: 50, guardrails: ["latency"]), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        FeedUsers(400, controlSuccess: 0.70, friendlySuccess: 0.90, friendlyLatency: 200);

        var results = Service.GetResults("prompt-tone");

        Assert.Equal(RecommendationActions.StopWinner, results.Recommendation.Action);
        Assert.Equal("friendly", results.Recommendation.Winner);
        Assert.Contains("friendly", results.Recommendation.Reason, StringComparison.Ordinal);
        var m = results.Variants[1].Metrics[ExperimentMetrics.SuccessRate];
        Assert.True(m.PValue < 0.05);
        Assert.True(m.CiLow > 0);
        Assert.False(results.Srm.Mismatch);
    }

    [Fact]
    public async Task Results_WinnerRegressesGuardrail_BlocksWinner()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(minimumSampleSize: 50, guardrails: ["latency"]), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        FeedUsers(400, controlSuccess: 0.70, friendlySuccess: 0.90, friendlyLatency: 400);

        var results = Service.GetResults("prompt-tone");

        Assert.Equal(RecommendationActions.StopNoWinner, results.Recommendation.Action);
        Assert.Contains("guardrail", results.Recommendation.Reason, StringComparison.Ordinal);
        Assert.Contains("latency", results.Recommendation.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Results_TooFewUsers_RecommendsContinue_AndExtendAfterPlannedDuration()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(minimumSampleSize: 1000) with { PlannedDurationDays = 7 }, Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        FeedUsers(40, controlSuccess: 0.7, friendlySuccess: 0.7, friendlyLatency: 200);

        Assert.Equal(RecommendationActions.Continue, Service.GetResults("prompt-tone").Recommendation.Action);
        _host.Time.Advance(TimeSpan.FromDays(8));
        Assert.Equal(RecommendationActions.ExtendDuration, Service.GetResults("prompt-tone").Recommendation.Action);
    }

    [Fact]
    public async Task Results_SampleRatioMismatch_IsFlagged()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(minimumSampleSize: 10), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        // Tags from outside (an app with its own split): 1000 vs 1200 users, as in the issue.
        for (var i = 0; i < 2200; i++)
        {
            _host.Operation("prompt-tone", i < 1000 ? "control" : "friendly", $"x{i}");
        }

        var results = Service.GetResults("prompt-tone");

        Assert.True(results.Srm.Mismatch);
        Assert.Equal(2.00786561e-5, results.Srm.PValue!.Value, 12);
        Assert.Equal("prompt-tone", Assert.Single(Service.SampleRatioMismatches()).Key);
        Assert.Equal(RecommendationActions.StopNoWinner, results.Recommendation.Action);
        Assert.Contains("Sample ratio mismatch", results.Recommendation.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Results_Sequential_IntervalIsWiderThanFixed()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(key: "fixed", minimumSampleSize: 50), Actor.System);
        await Service.CreateAsync(ExperimentTestHost.Definition(key: "seq", minimumSampleSize: 50, sequential: true), Actor.System);
        await Service.StartAsync("fixed", Actor.System);
        await Service.StartAsync("seq", Actor.System);
        for (var i = 0; i < 1000; i++)
        {
            foreach (var key in new[] { "fixed", "seq" })
            {
                _host.Operation(key, i % 2 == 0 ? "control" : "friendly", $"u{i}", ok: i % 2 == 0 ? i % 10 != 0 : i % 5 != 1);
            }
        }

        var f = Service.GetResults("fixed").Variants[1].Metrics[ExperimentMetrics.SuccessRate];
        var s = Service.GetResults("seq").Variants[1].Metrics[ExperimentMetrics.SuccessRate];

        Assert.Equal(f.Lift, s.Lift);
        Assert.True(s.CiHigh - s.CiLow > f.CiHigh - f.CiLow);
        Assert.True(s.PValue >= f.PValue);
    }

    [Fact]
    public async Task SubjectStore_ExportAndErase_ReachAssignmentsAndTallies()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        var a = await Service.TrackEventAsync("prompt-tone", "alice", "score", 5);
        ISubjectDataStore store = new ExperimentSubjectDataStore(Service);

        var exported = System.Text.Json.JsonSerializer.Serialize(await store.ExportAsync("alice"));
        var erased = await store.EraseAsync("alice");

        Assert.Contains("prompt-tone", exported, StringComparison.Ordinal);
        Assert.Contains(a.Variant!, exported, StringComparison.Ordinal);
        Assert.Equal(2, erased); // the stored assignment and the tally row
        Assert.Null(await store.ExportAsync("alice"));
        Assert.Equal(0, Service.GetResults("prompt-tone").Variants.Sum(v => v.Users));
    }

    [Fact]
    public async Task Tallies_SurviveRestart()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        FeedUsers(20, 0.5, 0.5, 200);
        var before = Service.GetResults("prompt-tone");

        _host.Restart();
        var after = _host.Service.GetResults("prompt-tone");

        Assert.Equal(before.Variants.Select(v => (v.Users, v.Operations)), after.Variants.Select(v => (v.Users, v.Operations)));
        Assert.Equal(before.Variants[1].Metrics[ExperimentMetrics.SuccessRate].Mean, after.Variants[1].Metrics[ExperimentMetrics.SuccessRate].Mean);
    }

    [Fact]
    public async Task Tallies_IncrementalWrites_KeepEarlierRowsAcrossRestarts()
    {
        await Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await Service.StartAsync("prompt-tone", Actor.System);
        _host.Operation("prompt-tone", "control", "u1");
        _host.Restart();

        // Only u2's row and the sums change before the next write.
        _host.Operation("prompt-tone", "friendly", "u2");
        _host.Restart();

        var results = _host.Service.GetResults("prompt-tone");
        Assert.Equal((1, 1), (results.Variants[0].Users, results.Variants[1].Users));
        Assert.Equal((1, 1), (results.Variants[0].Operations, results.Variants[1].Operations));
    }

    [Fact]
    public async Task Outcomes_BeyondUserCap_AreDropped()
    {
        using var host = new ExperimentTestHost(maxUsers: 5);
        await host.Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        await host.Service.StartAsync("prompt-tone", Actor.System);

        for (var i = 0; i < 10; i++)
        {
            host.Operation("prompt-tone", "control", $"u{i}");
        }

        Assert.Equal(5, host.Service.GetResults("prompt-tone").Variants[0].Users);
    }

    /// <summary>Each user makes 4 calls in their hashed variant; successes follow the given rates deterministically.</summary>
    private void FeedUsers(int users, double controlSuccess, double friendlySuccess, double friendlyLatency)
    {
        var experiment = Service.Get("prompt-tone")!;
        var counter = new Dictionary<string, int> { ["control"] = 0, ["friendly"] = 0 };
        for (var i = 0; i < users; i++)
        {
            var user = $"user-{i}";
            var variant = Service.Assign("prompt-tone", user).Variant;
            Assert.NotNull(variant);
            for (var call = 0; call < 4; call++)
            {
                var n = counter[variant]++;
                var rate = variant == "control" ? controlSuccess : friendlySuccess;
                var ok = (n % 10) < rate * 10;
                var latency = (variant == "control" ? 200 : friendlyLatency) + (n % 7 * 10);
                _host.Operation(experiment.Key, variant, user, ok, latency);
            }
        }
    }

    public void Dispose() => _host.Dispose();
}
