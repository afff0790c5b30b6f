using Conciergus.Core.Alerts;
using Conciergus.Core.Experiments;
using Conciergus.Core.Storage;

using LiteDB;

using Microsoft.Extensions.Options;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Demo;

/// <summary>
/// Seeds the demo with one of each feature at work (issue 22 item 5): a running experiment on the demo's OpenAI calls
/// that reaches a decision within minutes, a receiver that delivers into the in-app <see cref="DemoInbox"/>, a daily
/// budget on the built-in cost burn rule, and a scheduled silence (nightly quiet hours). Runs at start when the demo
/// is on (<c>Conciergus:Demo:Enabled</c>, the Development profile) and <see cref="DemoOptions.SeedExamples"/> is true.
/// Each item is seeded once per data folder: a marker in LiteDB (<c>demo_seed</c>) records it, so a restart adds
/// nothing, and an item an operator deleted or changed afterwards stays as the operator left it.
/// </summary>
public sealed partial class DemoSeedService(IServiceProvider services, IOptions<DemoOptions> options, ILogger<DemoSeedService> logger) : IHostedService
{
    /// <summary>Key of the seeded experiment.</summary>
    public const string ExperimentKey = "demo-support-model";

    /// <summary>Name of the seeded receiver.</summary>
    public const string ReceiverName = "demo-inbox";

    /// <summary>Id of the seeded silence.</summary>
    public const string SilenceId = "demo-nightly-maintenance";

    /// <summary>Daily budget set on the built-in cost burn rule (USD): the demo spends roughly $15-60 an hour, so the budget fills visibly and its alert fires within the first hours.</summary>
    public const decimal DailyBudgetUsd = 25m;

    /// <summary>LiteDB collection of the markers.</summary>
    public const string MarkerCollection = "demo_seed";

    private static readonly Actor AlertSeeder = new("demo", "System");
    private static readonly Actor ExperimentSeeder = new("demo", "System");

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled || !options.Value.SeedExamples || services.GetService<ConciergusDatabase>() is not { IsAvailable: true } database)
        {
            return;
        }

        var markers = database.Database.GetCollection(MarkerCollection);
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        await SeedAsync(markers, time, "receiver", SeedReceiverAsync, cancellationToken).ConfigureAwait(false);
        await SeedAsync(markers, time, "budget", SeedBudgetAsync, cancellationToken).ConfigureAwait(false);
        await SeedAsync(markers, time, "silence", ct => SeedSilenceAsync(time.GetUtcNow(), ct), cancellationToken).ConfigureAwait(false);
        await SeedAsync(markers, time, "experiment", SeedExperimentAsync, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The experiment: gpt-4o (control) against gpt-4o-mini on the demo's OpenAI calls, decided on cost per request.</summary>
    public static ExperimentDefinition Experiment() => new()
    {
        Key = ExperimentKey,
        Name = "Support answers: gpt-4o-mini instead of gpt-4o",
        Hypothesis = "gpt-4o-mini answers the demo's OpenAI calls at a fraction of gpt-4o's cost per request, without more failures or slower answers.",
        Type = ExperimentType.Model,
        Variants =
        [
            new ExperimentVariantDefinition { Key = "control", Name = "gpt-4o", Weight = 0.5, Overrides = new VariantOverrides { ModelId = "gpt-4o", Provider = "openai" } },
            new ExperimentVariantDefinition { Key = "mini", Name = "gpt-4o-mini", Weight = 0.5, Overrides = new VariantOverrides { ModelId = "gpt-4o-mini", Provider = "openai" } },
        ],

        // Only the OpenAI pipelines can serve both models; the other providers' calls are not targeted (not "not applicable").
        Targeting = new ExperimentTargeting
        {
            Applications = [DemoTrafficService.Application],
            Attributes = new Dictionary<string, string> { ["provider"] = "openai" },
        },
        PrimaryMetric = ExperimentMetrics.CostPerRequest,
        GuardrailMetrics = [ExperimentMetrics.SuccessRate, ExperimentMetrics.Latency],

        // The demo has 40 users: 10 per variant arrive within a minute or two, and a 10x cost difference is clear at once.
        MinimumSampleSize = 10,
        PlannedDurationDays = 1,
    };

    /// <summary>The receiver: every rule without receivers notifies it.</summary>
    public static AlertReceiver Receiver() => new()
    {
        Name = ReceiverName,
        Kind = DemoInboxAlertChannel.KindName,
        Url = "/demo/inbox",
    };

    /// <summary>Nightly quiet hours for the demo's Mistral model (02:00-03:00 UTC), from now for 90 days.</summary>
    public static Silence NightlySilence(DateTimeOffset now) => new()
    {
        Id = SilenceId,
        Matchers = [new LabelMatcher("model", MatchOperator.Regex, "mistral.*")],
        StartsAt = now,
        EndsAt = now.AddDays(90),
        CreatedBy = "demo",
        Comment = "Demo: the Mistral deployment's nightly maintenance window; its alerts are muted 02:00-03:00 UTC.",
        QuietHours = new QuietHours([.. Enum.GetValues<DayOfWeek>()], new TimeOnly(2, 0), new TimeOnly(3, 0)),
    };

    private async Task SeedAsync(ILiteCollection<BsonDocument> markers, TimeProvider time, string item, Func<CancellationToken, Task<bool>> seed, CancellationToken cancellationToken)
    {
        if (markers.FindById(item) is not null)
        {
            return;
        }

        try
        {
            if (await seed(cancellationToken).ConfigureAwait(false))
            {
                LogSeeded(logger, item);
            }

            markers.Upsert(new BsonDocument { ["_id"] = item, ["at"] = time.GetUtcNow().UtcDateTime });
        }
#pragma warning disable CA1031 // The demo's examples are a courtesy: a failure is logged and the app starts anyway.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogSeedFailed(logger, item, e.Message);
        }
    }

    // Each returns false when the item was there already (an earlier run that stopped before writing its marker).
    private async Task<bool> SeedReceiverAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<IAlertService>() is not { } alerts || alerts.Receivers().Any(r => r.Name == ReceiverName))
        {
            return false;
        }

        await alerts.SaveReceiverAsync(Receiver(), AlertSeeder, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> SeedBudgetAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<IAlertService>() is not { } alerts
            || alerts.Rules().FirstOrDefault(r => r.Id == BuiltInRules.CostBurn.Id) is not { BudgetUsd: null } rule
            || services.GetService<IOptions<AlertsOptions>>()?.Value.DailyBudgetUsd is not null)
        {
            return false;
        }

        await alerts.UpdateRuleAsync(rule.Id, rule with { BudgetUsd = DailyBudgetUsd }, AlertSeeder, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> SeedSilenceAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (services.GetService<IAlertService>() is not { } alerts || alerts.Silences().Any(s => s.Id == SilenceId))
        {
            return false;
        }

        await alerts.CreateSilenceAsync(NightlySilence(now), AlertSeeder, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> SeedExperimentAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<ExperimentService>() is not { } experiments)
        {
            return false;
        }

        if (experiments.Get(ExperimentKey) is not { } existing)
        {
            await experiments.CreateAsync(Experiment(), ExperimentSeeder, cancellationToken).ConfigureAwait(false);
        }
        else if (existing.State != ExperimentState.Draft)
        {
            return false;
        }

        await experiments.StartAsync(ExperimentKey, ExperimentSeeder, cancellationToken).ConfigureAwait(false);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: seeded the example {Item} (once per data folder).")]
    private static partial void LogSeeded(ILogger logger, string item);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo: could not seed the example {Item}: {Error}")]
    private static partial void LogSeedFailed(ILogger logger, string item, string error);
}
