using System.Diagnostics;

using Conciergus.Core.Collector;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Pricing;

using Microsoft.Extensions.AI;

namespace Conciergus.Core.Telemetry;

/// <summary>What is known about a call before it is sent (a struct: the tracker keeps it inline, no allocation).</summary>
internal readonly record struct CallDescription
{
    public required string Operation { get; init; }

    public required string Provider { get; init; }

    public required string RequestModel { get; init; }

    public required CallDimensions Dimensions { get; init; }

    public string? ExperimentKey { get; init; }

    public string? ExperimentVariant { get; init; }

    public bool Streaming { get; init; }

    public int RetryCount { get; init; }

    public bool FallbackUsed { get; init; }

    public string? OriginalModel { get; init; }
}

/// <summary>What the response said (filled in as a stream goes by, or at once from a response).</summary>
internal sealed class CallOutcome
{
    public string? ResponseModel { get; set; }

    public string? ConversationId { get; set; }

    // The usual single finish reason shares one array per value instead of a list per call.
    private static readonly string[][] CommonFinishReasons =
        [[ChatFinishReason.Stop.Value], [ChatFinishReason.Length.Value], [ChatFinishReason.ToolCalls.Value], [ChatFinishReason.ContentFilter.Value]];

    private bool _ownsUsage;

    public UsageDetails? Usage { get; private set; }

    public IReadOnlyList<string>? FinishReasons { get; private set; }

    /// <summary>The finish reasons of a whole response: one shared array for the usual values, null when none.</summary>
    public static IReadOnlyList<string>? FinishReasonsOf(ChatFinishReason? reason) =>
        reason is { Value: { Length: > 0 } value } ? Common(value) ?? [value] : null;

    /// <summary>Takes what one streaming update says; true when it carries content the user sees (for TTFT).</summary>
    public bool Observe(ChatResponseUpdate update)
    {
        if (update.ModelId is { Length: > 0 } model)
        {
            ResponseModel = model;
        }

        if (update.ConversationId is { Length: > 0 } conversation)
        {
            ConversationId = conversation;
        }

        AddFinishReason(update.FinishReason);
        var visible = false;
        foreach (var content in update.Contents)
        {
            switch (content)
            {
                case UsageContent usage:
                    AddUsage(usage.Details);
                    break;
                case TextContent text:
                    visible |= !string.IsNullOrEmpty(text.Text);
                    break;
                case TextReasoningContent reasoning:
                    visible |= !string.IsNullOrEmpty(reasoning.Text);
                    break;
                default:
                    visible = true; // tool calls, images, data: the model has started answering
                    break;
            }
        }

        return visible;
    }

    // Usage updates are summed, as ChatResponseExtensions.ToChatResponse does, so our numbers match what
    // UseOpenTelemetry() reports for the same stream. Most providers send one usage update at the end: that one is
    // only read (never changed), so it is kept as it is; a second one starts a sum of our own.
    public void AddUsage(UsageDetails? details)
    {
        if (details is null)
        {
            return;
        }

        if (Usage is null)
        {
            Usage = details;
            return;
        }

        if (!_ownsUsage)
        {
            var sum = new UsageDetails();
            sum.Add(Usage);
            Usage = sum;
            _ownsUsage = true;
        }

        Usage.Add(details);
    }

    private void AddFinishReason(ChatFinishReason? reason)
    {
        if (reason is not { Value: { Length: > 0 } value })
        {
            return;
        }

        if (FinishReasons is null)
        {
            FinishReasons = Common(value) ?? [value];
            return;
        }

        for (var i = 0; i < FinishReasons.Count; i++)
        {
            if (string.Equals(FinishReasons[i], value, StringComparison.Ordinal))
            {
                return;
            }
        }

        FinishReasons = new List<string>(FinishReasons) { value };
    }

    private static string[]? Common(string value)
    {
        foreach (var common in CommonFinishReasons)
        {
            if (string.Equals(common[0], value, StringComparison.Ordinal))
            {
                return common;
            }
        }

        return null;
    }
}

/// <summary>
/// One call in flight: owns its span and its clock, and records exactly one <see cref="AiOperation"/>
/// however the call ends (success, failure, abandoned stream).
/// </summary>
/// <remarks>
/// A struct, kept in the caller's async state machine or iterator (no object of its own per call): hold it in one
/// local and call it there, never through a copy (a copy would not see that the call already ended).
/// </remarks>
internal struct AiCallTracker
{
    internal static readonly ActivitySource Source = new(ConciergusDiagnostics.ActivitySourceName);

    private readonly IAiOperationRecorder _recorder;
    private readonly IErrorCategorizer? _categorizer;
    private readonly ICostCalculator? _pricer;
    private readonly TimeProvider _timeProvider;
    private readonly CallDescription _call;
    private readonly Activity? _activity;
    private readonly DateTimeOffset _startTime;
    private readonly long _startTimestamp;
    private readonly string _operationId;
    private readonly string? _traceId;
    private readonly string? _spanId;
    private readonly string? _parentSpanId;
    private long? _firstTokenTimestamp;
    private bool _finished;

    private AiCallTracker(IAiOperationRecorder recorder, IErrorCategorizer? categorizer, ICostCalculator? pricer, TimeProvider timeProvider, in CallDescription call)
    {
        _recorder = recorder;
        _categorizer = categorizer;
        _pricer = pricer;
        _timeProvider = timeProvider;
        _call = call;

        // Nothing of the span (name, tags) is built unless someone listens.
        _activity = Source.HasListeners() ? SpanStart.Begin(Source, call) : null;

        (_traceId, _spanId, _parentSpanId) = ResolveIds(_activity);
        _operationId = _spanId ?? ActivitySpanId.CreateRandom().ToHexString();
        _spanId ??= _operationId;

        _startTime = timeProvider.GetUtcNow();
        _startTimestamp = timeProvider.GetTimestamp();
    }

    /// <summary>Our span, when someone listens to <see cref="ConciergusDiagnostics.ActivitySourceName"/>.</summary>
    public Activity? Activity => _activity;

    /// <summary>Starts tracking a call; with a <paramref name="pricer"/> the operation is priced here, so the collector need not copy it.</summary>
    public static AiCallTracker Start(IAiOperationRecorder recorder, IErrorCategorizer? categorizer, ICostCalculator? pricer, TimeProvider timeProvider, in CallDescription call) =>
        new(recorder, categorizer, pricer, timeProvider, call);

    public void MarkFirstToken() => _firstTokenTimestamp ??= _timeProvider.GetTimestamp();

    public void Succeed(CallOutcome outcome) =>
        Finish(outcome.ResponseModel, outcome.ConversationId, outcome.Usage, outcome.FinishReasons, exception: null, abandoned: false);

    /// <summary>A whole response: read as it is, without an outcome object.</summary>
    public void Succeed(ChatResponse response) =>
        Finish(response.ModelId, response.ConversationId, response.Usage, CallOutcome.FinishReasonsOf(response.FinishReason), exception: null, abandoned: false);

    public void Fail(Exception exception, CallOutcome? partial = null) =>
        Finish(partial?.ResponseModel, partial?.ConversationId, partial?.Usage, partial?.FinishReasons, exception, abandoned: false);

    /// <summary>The consumer stopped reading a stream before its end (disposed it without cancelling).</summary>
    public void Abandon(CallOutcome partial) =>
        Finish(partial.ResponseModel, partial.ConversationId, partial.Usage, partial.FinishReasons, exception: null, abandoned: true);

    private void Finish(string? responseModel, string? conversationId, UsageDetails? usage, IReadOnlyList<string>? finishReasons, Exception? exception, bool abandoned)
    {
        // The streaming path can reach both its catch and its finally; only the first end counts. The two run one after
        // the other (an enumerator is never used by two threads at once), so a plain flag is enough.
        if (_finished)
        {
            return;
        }

        _finished = true;

        var elapsed = _timeProvider.GetElapsedTime(_startTimestamp);
        var tokens = TokenUsage.From(usage);

        // Everything is known here, so the record is built once: priced (when the pipeline has the catalog) and with its
        // error, instead of copies made later by the collector (`with` is a whole new record of ~40 fields).
        var cost = _pricer is null
            ? new CostResult(PricingStatus.Pending, null, null)
            : _pricer.Calculate(new PricingInput(_call.Operation, _call.Provider, _call.RequestModel, responseModel, _startTime,
                tokens.Input, tokens.Output, tokens.CachedInput, tokens.CacheCreation, tokens.Reasoning));
        var error = exception is null ? null : ExceptionDescriber.Describe(exception);
        var operation = new AiOperation
        {
            OperationId = _operationId,
            TraceId = _traceId,
            SpanId = _spanId,
            ParentSpanId = _parentSpanId,
            StartTime = _startTime,
            DurationMs = elapsed.TotalMilliseconds,
            TimeToFirstTokenMs = _firstTokenTimestamp is { } first
                ? _timeProvider.GetElapsedTime(_startTimestamp, first).TotalMilliseconds
                : null,
            Operation = _call.Operation,
            Provider = _call.Provider,
            RequestModel = _call.RequestModel,
            ResponseModel = responseModel,
            InputTokens = tokens.Input,
            OutputTokens = tokens.Output,
            CachedInputTokens = tokens.CachedInput,
            CacheCreationInputTokens = tokens.CacheCreation,
            ReasoningTokens = tokens.Reasoning,
            CostUsd = cost.CostUsd,
            Pricing = cost.Status,
            PriceVersion = cost.PriceVersion,
            Application = _call.Dimensions.Application,
            FunctionId = _call.Dimensions.FunctionId,
            UserId = _call.Dimensions.UserId,
            SessionId = _call.Dimensions.SessionId,
            ConversationId = _call.Dimensions.ConversationId ?? conversationId,
            Environment = _call.Dimensions.Environment,
            ExperimentKey = _call.ExperimentKey,
            ExperimentVariant = _call.ExperimentVariant,
            RetryCount = _call.RetryCount,
            FallbackUsed = _call.FallbackUsed,
            OriginalModel = _call.OriginalModel,
            FinishReasons = finishReasons,
            Metadata = BuildMetadata(abandoned),
            Status = error is null ? AiOperationStatus.Ok : AiOperationStatus.Error,
            Error = error,
            ErrorCategory = error is null ? ErrorCategory.None : Categorize(error, exception!),
        };

        CompleteActivity(operation, exception);
        _recorder.Record(operation);
    }

    private ErrorCategory Categorize(ErrorDetails details, Exception exception)
    {
        if (_categorizer is null)
        {
            // The collector categorises from the details; it just cannot see the exception object.
            return ErrorCategory.None;
        }

        try
        {
            return _categorizer.Categorize(details, exception, _call.Provider);
        }
#pragma warning disable CA1031 // A broken categorizer must not replace the caller's exception with its own.
        catch (Exception)
#pragma warning restore CA1031
        {
            return ErrorCategory.Unknown;
        }
    }

    private Dictionary<string, string>? BuildMetadata(bool abandoned)
    {
        if (!_call.Streaming)
        {
            return null;
        }

        var metadata = new Dictionary<string, string>(2, StringComparer.Ordinal) { ["conciergus.streaming"] = "true" };
        if (abandoned)
        {
            metadata["conciergus.stream_abandoned"] = "true";
        }

        return metadata;
    }

    private void CompleteActivity(AiOperation operation, Exception? exception)
    {
        if (_activity is null)
        {
            return;
        }

        // These keys are never among the start tags and each is written once, so appending (AddTag) gives the same tags
        // as SetTag without walking the list for the key first.
        if (_activity.IsAllDataRequested)
        {
            if (operation.ResponseModel is not null)
            {
                _activity.AddTag(GenAiAttributes.ResponseModel, operation.ResponseModel);
            }

            if (exception is null || operation.InputTokens > 0 || operation.OutputTokens > 0)
            {
                _activity.AddTag(GenAiAttributes.InputTokens, operation.InputTokens);
                _activity.AddTag(GenAiAttributes.OutputTokens, operation.OutputTokens);
            }

            if (operation.CachedInputTokens > 0)
            {
                _activity.AddTag(GenAiAttributes.CacheReadInputTokens, operation.CachedInputTokens);
            }

            if (operation.CacheCreationInputTokens > 0)
            {
                _activity.AddTag(GenAiAttributes.CacheCreationInputTokens, operation.CacheCreationInputTokens);
            }

            if (operation.ReasoningTokens > 0)
            {
                _activity.AddTag(GenAiAttributes.ReasoningOutputTokens, operation.ReasoningTokens);
            }

            // A copy: the array handed to listeners is theirs; the record's list (often a shared array) stays ours.
            if (operation.FinishReasons is { Count: > 0 } reasons)
            {
                _activity.AddTag(GenAiAttributes.ResponseFinishReasons, reasons.ToArray());
            }

            if (operation.ConversationId is not null && _call.Dimensions.ConversationId is null)
            {
                _activity.AddTag(GenAiAttributes.ConversationId, operation.ConversationId);
            }
        }

        if (exception is not null)
        {
            if (exception.GetType().FullName is { } errorType)
            {
                _activity.AddTag(GenAiAttributes.ErrorType, errorType);
            }

            _activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        }

        _activity.Dispose();
    }

    /// <summary>
    /// Ids for the operation. With our own span, its ids. Without one (nobody listens to our source), the
    /// ambient span: when it already describes this very call (an outer UseOpenTelemetry() span carries
    /// gen_ai.operation.name) we take its ids, so the operation and the exported span share a span id;
    /// otherwise (a request span, say) it is the parent of a fresh span id.
    /// </summary>
    private static (string? TraceId, string? SpanId, string? ParentSpanId) ResolveIds(Activity? own)
    {
        if (own is { IdFormat: ActivityIdFormat.W3C })
        {
            return (own.TraceId.ToHexString(), own.SpanId.ToHexString(), ParentOf(own));
        }

        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            return current.GetTagItem(GenAiAttributes.OperationName) is not null
                ? (current.TraceId.ToHexString(), current.SpanId.ToHexString(), ParentOf(current))
                : (current.TraceId.ToHexString(), ActivitySpanId.CreateRandom().ToHexString(), current.SpanId.ToHexString());
        }

        return (null, null, null);
    }

    private static string? ParentOf(Activity activity) =>
        activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString();
}
