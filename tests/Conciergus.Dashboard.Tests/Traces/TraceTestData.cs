using Conciergus.Core.Model;
using Conciergus.Core.Traces;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Traces;

/// <summary>Small factories for trace store tests: ids, spans and operations with optional arguments.</summary>
internal static class TraceTestData
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    public static TraceStore Store(int maxTraces = 2000, int maxSpansPerTrace = 1000, int maxTotalSpans = 200_000, FakeTimeProvider? time = null) =>
        new(Options.Create(new TraceOptions { MaxTraces = maxTraces, MaxSpansPerTrace = maxSpansPerTrace, MaxTotalSpans = maxTotalSpans }),
            time ?? new FakeTimeProvider(Start));

    /// <summary>A deterministic 32-hex trace id.</summary>
    public static string TraceId(int n) => n.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A deterministic 16-hex span id.</summary>
    public static string SpanId(int n) => (n + 1).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    public static SpanRecord Span(
        string traceId,
        string spanId,
        string? parent = null,
        string name = "span",
        double offsetMs = 0,
        double durationMs = 100,
        string status = "unset",
        string application = "shop",
        AiOperation? operation = null,
        Dictionary<string, string>? attributes = null) => new()
        {
            TraceId = traceId,
            SpanId = spanId,
            ParentSpanId = parent,
            Name = name,
            StartTime = Start.AddMilliseconds(offsetMs),
            DurationMs = durationMs,
            Status = status,
            Application = application,
            Operation = operation,
            Attributes = attributes ?? [],
        };

    public static AiOperation Operation(
        string? traceId = null,
        string? spanId = null,
        string? parent = null,
        string model = "gpt-4o",
        string provider = "openai",
        double offsetMs = 0,
        double durationMs = 800,
        long input = 100,
        long output = 50,
        decimal? cost = 0.01m,
        bool failed = false,
        string application = "shop",
        string? user = null,
        PricingStatus pricing = PricingStatus.Priced) => new()
        {
            OperationId = spanId ?? Guid.NewGuid().ToString("N"),
            TraceId = traceId,
            SpanId = spanId,
            ParentSpanId = parent,
            StartTime = Start.AddMilliseconds(offsetMs),
            DurationMs = durationMs,
            Provider = provider,
            RequestModel = model,
            InputTokens = input,
            OutputTokens = output,
            CostUsd = cost,
            Pricing = cost is null && pricing == PricingStatus.Priced ? PricingStatus.Unpriced : pricing,
            Status = failed ? AiOperationStatus.Error : AiOperationStatus.Ok,
            ErrorCategory = failed ? ErrorCategory.RateLimit : ErrorCategory.None,
            Error = failed ? new ErrorDetails { Type = "RateLimitError", HttpStatus = 429, Message = "slow down" } : null,
            Application = application,
            UserId = user,
        };
}
