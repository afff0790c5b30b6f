using Conciergus.Core.Collector;
using Conciergus.Core.Model;
using Conciergus.Core.TimeSeries;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Metrics;

/// <summary>
/// Cumulative AI counters since start, for GET /metrics. Prometheus counters must never decrease, so these
/// are kept here as the collector hands over each operation, not derived from the time-series cache's
/// windowed ring buffers (whose old buckets roll off).
/// </summary>
public sealed class AiMetricCounters : IAiOperationSink
{
    /// <summary>Value of every label of an overflow label set.</summary>
    public const string Overflow = SeriesKey.OverflowValue;

    /// <summary>
    /// Upper bounds (seconds) of the request duration histogram: the explicit buckets the OpenTelemetry GenAI
    /// conventions recommend for gen_ai.client.operation.duration.
    /// </summary>
    public static readonly double[] DurationBounds = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

    /// <summary>
    /// Upper bounds (seconds) of the time-to-first-token histogram: the GenAI conventions' buckets for
    /// gen_ai.server.time_to_first_token.
    /// </summary>
    public static readonly double[] TimeToFirstTokenBounds = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];

    private readonly CappedSeries<(string Provider, string Model, string Application), CounterCell> _requests;
    private readonly CappedSeries<(string Provider, string Model, string Category), CounterCell> _errors;
    private readonly CappedSeries<(string Provider, string Model), ModelCell> _models;

    /// <summary>Creates the counters; each metric family keeps at most <see cref="TimeSeriesOptions.MaxSeriesPerDimension"/> label sets.</summary>
    public AiMetricCounters(IOptions<TimeSeriesOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cap = Math.Max(1, options.Value.MaxSeriesPerDimension);
        _requests = new(cap, (Overflow, Overflow, Overflow), static () => new CounterCell());
        _errors = new(cap, (Overflow, Overflow, Overflow), static () => new CounterCell());
        _models = new(cap, (Overflow, Overflow), static () => new ModelCell());
    }

    /// <summary>Observations that went to an overflow label set, over all families.</summary>
    public long Overflowed => _requests.Overflowed + _errors.Overflowed + _models.Overflowed;

    /// <inheritdoc />
    public void Accept(AiOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var provider = operation.Provider;
        var model = operation.Model;
        _requests.Get((provider, model, operation.Application)).Increment();
        if (operation.Status == AiOperationStatus.Error)
        {
            var category = operation.ErrorCategory == ErrorCategory.None ? ErrorCategory.Unknown : operation.ErrorCategory;
            _errors.Get((provider, model, category.ToWireName())).Increment();
        }

        _models.Get((provider, model)).Record(operation);
    }

    /// <summary>Requests per provider, model and application.</summary>
    internal KeyValuePair<(string Provider, string Model, string Application), CounterCell>[] Requests() => _requests.Snapshot();

    /// <summary>Failed requests per provider, model and error category.</summary>
    internal KeyValuePair<(string Provider, string Model, string Category), CounterCell>[] Errors() => _errors.Snapshot();

    /// <summary>Tokens, cost and latency per provider and model.</summary>
    internal KeyValuePair<(string Provider, string Model), ModelCell>[] Models() => _models.Snapshot();

    /// <summary>Everything counted for one provider + model. All members are guarded by <see cref="Gate"/>.</summary>
    internal sealed class ModelCell
    {
        public Lock Gate { get; } = new();

        public long InputTokens { get; private set; }

        public long OutputTokens { get; private set; }

        public long CachedInputTokens { get; private set; }

        public long CacheCreationInputTokens { get; private set; }

        public long ReasoningTokens { get; private set; }

        public decimal CostUsd { get; private set; }

        public long Unpriced { get; private set; }

        public Histogram Duration { get; } = new(DurationBounds);

        public Histogram TimeToFirstToken { get; } = new(TimeToFirstTokenBounds);

        public void Record(AiOperation operation)
        {
            // A handful of additions: the lock is held for well under a microsecond.
            lock (Gate)
            {
                InputTokens += operation.InputTokens;
                OutputTokens += operation.OutputTokens;
                CachedInputTokens += operation.CachedInputTokens;
                CacheCreationInputTokens += operation.CacheCreationInputTokens;
                ReasoningTokens += operation.ReasoningTokens;
                if (operation.CostUsd is { } cost)
                {
                    CostUsd += cost;
                }
                else
                {
                    Unpriced++;
                }

                Duration.Observe(Math.Max(0, operation.DurationMs) / 1000.0);
                if (operation.TimeToFirstTokenMs is { } ttft)
                {
                    TimeToFirstToken.Observe(Math.Max(0, ttft) / 1000.0);
                }
            }
        }
    }
}
