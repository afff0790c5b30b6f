using System.Globalization;
using Conciergus.Core.Analytics;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.TimeSeries;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Filters;

/// <summary>
/// The same operations recorded into the in-memory series (cache, ledger, recent errors) and into a brute-force store,
/// with an <see cref="AnalyticsService"/> over both: what the slice tests compare with a brute-force computation.
/// </summary>
internal sealed class SliceTestData
{
    /// <summary>Half a minute past noon: every operation lies well inside a 1h window, all on one UTC day.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 30, TimeSpan.Zero);

    public SliceTestData(int count = 600, bool withStore = true, int maxSeriesPerDimension = 200, IOperationStore? realStore = null)
    {
        RealStore = realStore;
        Clock = new FakeTimeProvider(Now);
        var options = new TimeSeriesOptions { MaxSeriesPerDimension = maxSeriesPerDimension };
        Cache = new TimeSeriesCache(options, Clock);
        Ledger = new UserCostLedger(options, Clock);
        RecentErrors = new RecentErrors();
        Store = new BruteForceOperationStore();
        Operations = Generate(count);
        foreach (var op in Operations)
        {
            Record(op);
        }

        Analytics = new AnalyticsService(Cache, Ledger, RecentErrors, options, Clock, realStore ?? (withStore ? Store : null));
    }

    public FakeTimeProvider Clock { get; }

    public TimeSeriesCache Cache { get; }

    public UserCostLedger Ledger { get; }

    public RecentErrors RecentErrors { get; }

    public BruteForceOperationStore Store { get; }

    public List<AiOperation> Operations { get; }

    public AnalyticsService Analytics { get; }

    /// <summary>Records like the collector does: cache, ledger (users), recent errors, store.</summary>
    public void Record(AiOperation op)
    {
        Cache.Record(op);
        if (op.UserId is { Length: > 0 } user)
        {
            Ledger.Record(user, op.EndTime, op.CostUsd ?? 0m, op.InputTokens, op.OutputTokens);
        }

        if (op.Status == AiOperationStatus.Error)
        {
            RecentErrors.Add(op);
        }

        Store.TryAppend(op);
        RealStore?.TryAppend(op);
    }

    /// <summary>The DuckDB store when the test runs against it (else null: the brute-force store answers).</summary>
    public IOperationStore? RealStore { get; }

    /// <summary>Operations that pass the filter among those of the last hour (all of them are).</summary>
    public List<AiOperation> Matching(OperationFilter filter) => Operations.Where(filter.Matches).ToList();

    /// <summary>Parses "a=b&amp;c=d,e" as the read API does.</summary>
    public static OperationFilter Filter(string query)
    {
        var pairs = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => new KeyValuePair<string, IReadOnlyList<string?>>(p[0], [p.Length > 1 ? p[1] : ""]));
        Assert.True(OperationFilter.TryParse(pairs, new HashSet<string>(), out var filter, out var error), error);
        return filter;
    }

    private static List<AiOperation> Generate(int count)
    {
        // Deterministic variety: every field takes several values, some operations lack optional fields.
        var random = new Random(14);
        (string Provider, string Model, decimal? PricePerToken)[] models =
        [
            ("openai", "gpt-4o", 0.00001m), ("openai", "gpt-4o-mini", 0.000001m), ("anthropic", "claude-sonnet-4-5", 0.000015m),
            ("openai", "text-embedding-3-small", 0.00000002m), ("acme", "mystery-1", null),
        ];
        string[] applications = ["support-bot", "billing", "search"];
        string?[] environments = ["eu", "us", null];
        string?[] functions = ["summarize", "classify", null, null];
        string?[] users = ["u-1", "u-2", "u-3", "u-42", "u-5", null];
        string?[] sessions = ["s-1", "s-2", "s-3", null];
        string?[] tiers = ["free", "pro", null];
        var ops = new List<AiOperation>(count);
        for (var i = 0; i < count; i++)
        {
            var (provider, model, price) = models[random.Next(models.Length)];
            var end = Now.AddSeconds(-random.Next(5, 55 * 60)).AddMilliseconds(-random.Next(0, 1000));
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var duration = Math.Round(Math.Exp(6.5 + (0.7 * normal)), 3);
            var failed = random.NextDouble() < 0.15;
            var category = failed ? new[] { ErrorCategory.RateLimit, ErrorCategory.Timeout, ErrorCategory.ServerError, ErrorCategory.None }[random.Next(4)] : ErrorCategory.None;
            var input = random.Next(10, 3000);
            var output = random.Next(1, 900);
            var experiment = random.NextDouble() < 0.3;
            var tier = tiers[random.Next(tiers.Length)];
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            if (tier is not null)
            {
                metadata["tier"] = tier;
            }

            if (i % 7 == 0)
            {
                metadata["region"] = i % 2 == 0 ? "north" : "south";
            }

            ops.Add(new AiOperation
            {
                OperationId = i.ToString(CultureInfo.InvariantCulture),
                TraceId = i.ToString("x32", CultureInfo.InvariantCulture),
                StartTime = end.AddTicks(-(long)(duration * TimeSpan.TicksPerMillisecond)),
                DurationMs = duration,
                TimeToFirstTokenMs = i % 3 == 0 ? Math.Round(duration / 5, 3) : null,
                Operation = model.StartsWith("text-embedding", StringComparison.Ordinal) ? AiOperationKinds.Embeddings : (i % 2 == 0 ? AiOperationKinds.Chat : AiOperationKinds.GenerateText),
                Provider = provider,
                RequestModel = model,
                InputTokens = input,
                OutputTokens = output,
                CachedInputTokens = i % 4 == 0 ? input / 2 : 0,
                ReasoningTokens = i % 5 == 0 ? output / 3 : 0,
                CostUsd = price is { } p ? (input + output) * p : null,
                Pricing = price is null ? PricingStatus.Unpriced : PricingStatus.Priced,
                Status = failed ? AiOperationStatus.Error : AiOperationStatus.Ok,
                ErrorCategory = category,
                Error = failed ? new ErrorDetails { Type = "http_error", HttpStatus = 500, Message = "failure " + i.ToString(CultureInfo.InvariantCulture) } : null,
                Application = applications[random.Next(applications.Length)],
                Environment = environments[random.Next(environments.Length)],
                FunctionId = functions[random.Next(functions.Length)],
                UserId = users[random.Next(users.Length)],
                SessionId = sessions[random.Next(sessions.Length)],
                ExperimentKey = experiment ? (i % 2 == 0 ? "exp-a" : "exp-b") : null,
                ExperimentVariant = experiment ? (random.Next(2) == 0 ? "control" : "treatment") : null,
                Metadata = metadata.Count == 0 ? null : metadata,
            });
        }

        return ops;
    }
}
