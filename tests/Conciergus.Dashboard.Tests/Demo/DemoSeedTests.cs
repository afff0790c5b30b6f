using Conciergus.Core.Alerts;
using Conciergus.Core.Experiments;
using Conciergus.Core.Storage;
using Conciergus.Dashboard.Demo;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Demo;

/// <summary>The demo's examples (issue 22 item 5): seeded once per data folder, and the receiver is an in-app inbox.</summary>
public sealed class DemoSeedTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "conciergus-tests", "demo-seed-" + Guid.NewGuid().ToString("N"));

    private static Dictionary<string, string?> DemoOn() => new()
    {
        ["Conciergus:Demo:Enabled"] = "true",
        ["Conciergus:Demo:FailingProvider:Enabled"] = "false",
    };

    [Fact]
    public async Task Seed_RestartOnTheSameDataFolder_SeedsEachExampleOnce()
    {
        // Arrange and act: start, stop, start again on the same data folder
        await using (var first = new ConciergusAppFactory(DemoOn(), dataDirectory: _dataDirectory))
        {
            first.CreateClient().Dispose();
            AssertSeeded(first.Services);
        }

        await using var second = new ConciergusAppFactory(DemoOn(), dataDirectory: _dataDirectory);
        second.CreateClient().Dispose();

        // Assert: one of each, and the audit trail shows each seeding once
        var services = second.Services;
        AssertSeeded(services);
        var alerts = services.GetRequiredService<IAlertService>();
        Assert.Single(alerts.Receivers(), r => r.Name == DemoSeedService.ReceiverName);
        Assert.Single(alerts.Silences(), s => s.Id == DemoSeedService.SilenceId);
        Assert.Single(services.GetRequiredService<ExperimentService>().List(), e => e.Key == DemoSeedService.ExperimentKey);
        var audit = services.GetRequiredService<Conciergus.Core.Audit.AuditLog>();
        var entries = audit.Query(new Conciergus.Core.Audit.AuditQuery { Limit = 1000 }).Entries;
        Assert.Single(entries, e => e.Action == "experiment.create" && e.Target == DemoSeedService.ExperimentKey);
        Assert.Single(entries, e => e.Action == "receiver.save" && e.Target == DemoSeedService.ReceiverName);
        Assert.Single(entries, e => e.Action == "silence.create" && e.Target == DemoSeedService.SilenceId);
        Assert.Single(entries, e => e.Action == "alert_rule.update" && e.Target == BuiltInRules.CostBurn.Id);
    }

    [Fact]
    public async Task Seed_ExampleDeletedByAnOperator_IsNotSeededAgain()
    {
        await using (var first = new ConciergusAppFactory(DemoOn(), dataDirectory: _dataDirectory))
        {
            first.CreateClient().Dispose();
            var alerts = first.Services.GetRequiredService<IAlertService>();
            await alerts.DeleteReceiverAsync(DemoSeedService.ReceiverName, new Actor("olga", "Admin"));
            Assert.DoesNotContain(alerts.Receivers(), r => r.Name == DemoSeedService.ReceiverName);
        }

        await using var second = new ConciergusAppFactory(DemoOn(), dataDirectory: _dataDirectory);
        second.CreateClient().Dispose();

        // The marker, not the receiver's presence, says it was seeded: the operator's deletion stands.
        Assert.DoesNotContain(second.Services.GetRequiredService<IAlertService>().Receivers(), r => r.Name == DemoSeedService.ReceiverName);
        Assert.NotNull(second.Services.GetRequiredService<ConciergusDatabase>().Database.GetCollection(DemoSeedService.MarkerCollection).FindById("receiver"));
    }

    [Fact]
    public async Task Seed_DemoOff_SeedsNothing()
    {
        await using var factory = new ConciergusAppFactory(dataDirectory: _dataDirectory); // the factory's default: demo off
        factory.CreateClient().Dispose();

        Assert.DoesNotContain(factory.Services.GetRequiredService<IAlertService>().Receivers(), r => r.Name == DemoSeedService.ReceiverName);
        Assert.Null(factory.Services.GetRequiredService<ExperimentService>().Get(DemoSeedService.ExperimentKey));
        Assert.Null(factory.Services.GetService<DemoInbox>());
    }

    [Fact]
    public async Task DemoInbox_TestNotificationToTheSeededReceiver_IsReceivedAndListed()
    {
        await using var factory = new ConciergusAppFactory(DemoOn(), dataDirectory: _dataDirectory);
        factory.CreateClient().Dispose();
        var alerts = factory.Services.GetRequiredService<IAlertService>();

        // The in-process sink needs no network, so no receiver network guard is involved.
        var result = await alerts.TestReceiverAsync(DemoSeedService.ReceiverName, new Actor("olga", "Admin"));

        Assert.True(result.Succeeded, result.Error);
        var item = Assert.Single(factory.Services.GetRequiredService<DemoInbox>().Items());
        Assert.Equal((DemoSeedService.ReceiverName, "firing"), (item.Receiver, item.Status));
        var alert = Assert.Single(item.Alerts);
        Assert.Equal("ConciergusTest", alert.Name);
        Assert.Contains("Test notification from Conciergus, sent by olga", alert.Summary, StringComparison.Ordinal);
        Assert.Contains(alerts.Deliveries(), d => d.Receiver == DemoSeedService.ReceiverName && d.Succeeded);
    }

    [Fact]
    public void Experiment_TheDemoUsers_SplitIntoBothVariantsWithEnoughForADecision()
    {
        // The demo's 40 users (user-001..user-040); a decision needs MinimumSampleSize users in every variant.
        var definition = DemoSeedService.Experiment();
        var ranges = ExperimentHashing.BucketRanges(definition.Variants!.Count, 1, [.. definition.Variants!.Select(v => v.Weight)]);
        var counts = new int[definition.Variants!.Count];
        for (var u = 1; u <= 40; u++)
        {
            var hash = ExperimentHashing.Hash(definition.Key!, $"user-{u:000}", 2)!.Value;
            counts[ExperimentHashing.ChooseVariant(hash, ranges)]++;
        }

        Assert.Empty(ExperimentValidator.Validate(definition));
        Assert.All(counts, c => Assert.True(c >= definition.MinimumSampleSize!.Value * 1.5, $"users per variant: {string.Join(", ", counts)}"));
    }

    [Fact]
    public async Task DemoChatClient_ExperimentOverridesTheModel_AnswersAsThatModelOfTheSameProvider()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var client = new DemoChatClient("openai", "gpt-4o", time, new Random(7));

        Assert.Equal("gpt-4o-mini", client.ProfileFor(new ChatOptions { ModelId = "gpt-4o-mini" }).Model);
        Assert.Equal("gpt-4o", client.ProfileFor(new ChatOptions { ModelId = "claude-haiku-4-5" }).Model); // another provider's model: unchanged
        Assert.Equal("gpt-4o", client.ProfileFor(null).Model);

        var call = client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "gpt-4o-mini" });
        while (!call.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Yield();
        }

        try
        {
            Assert.Equal("gpt-4o-mini-2024-07-18", (await call).ModelId);
        }
        catch (HttpRequestException)
        {
            // A simulated failure (about 1%) says nothing about the model; the profile assertions above hold.
        }
    }

    private static void AssertSeeded(IServiceProvider services)
    {
        var alerts = services.GetRequiredService<IAlertService>();
        var experiment = services.GetRequiredService<ExperimentService>().Get(DemoSeedService.ExperimentKey);
        Assert.Equal(ExperimentState.Running, experiment?.State);
        var receiver = Assert.Single(alerts.Receivers(), r => r.Name == DemoSeedService.ReceiverName);
        Assert.Equal(DemoInboxAlertChannel.KindName, receiver.Kind);
        Assert.Equal(DemoSeedService.DailyBudgetUsd, alerts.Rules().Single(r => r.Id == BuiltInRules.CostBurn.Id).BudgetUsd);
        var silence = Assert.Single(alerts.Silences(), s => s.Id == DemoSeedService.SilenceId);
        Assert.NotNull(silence.QuietHours);

        // The rules without receivers now reach someone (issue 22 item 4's "not notified" no longer applies).
        Assert.Contains(alerts.RoutesOf(BuiltInRules.ErrorRate), r => r.Receiver == DemoSeedService.ReceiverName);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
