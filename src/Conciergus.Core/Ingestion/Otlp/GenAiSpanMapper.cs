using System.Globalization;
using System.Text.Json;
using Conciergus.Core.Model;
using Conciergus.Core.Traces;

namespace Conciergus.Core.Ingestion.Otlp;

/// <summary>What an ingested span is, for counting AI calls once.</summary>
public enum AiSpanRole
{
    /// <summary>Not an AI call (HTTP, database, tool, agent bookkeeping ...): kept as a span, no operation.</summary>
    None,

    /// <summary>A Vercel AI SDK call span (<c>ai.generateText</c>, <c>ai.streamText</c>, <c>ai.embed</c> ...): the operation.</summary>
    VercelCall,

    /// <summary>A Vercel AI SDK provider span (<c>ai.*.doGenerate</c>, <c>.doStream</c>, <c>.doEmbed</c>): details for its parent call.</summary>
    VercelModelCall,

    /// <summary>A GenAI semantic-convention span (<c>gen_ai.operation.name</c>): chat, embeddings, invoke_agent ...</summary>
    GenAi,

    /// <summary>
    /// A GenAI span that is not a model call (<c>agent_step</c>, <c>execute_tool</c>, <c>create_agent</c>): no operation,
    /// but it links model calls to the agent around them (AI SDK 7: invoke_agent > step > chat).
    /// </summary>
    GenAiStep,
}

/// <summary>A span with its AI role and, for AI spans, the operation it would count as.</summary>
/// <param name="Span">The span as the trace store keeps it (no operation attached yet).</param>
/// <param name="Role">How the span takes part in counting.</param>
/// <param name="Operation">The operation the span describes on its own; null for <see cref="AiSpanRole.None"/>.</param>
public sealed record MappedSpan(SpanRecord Span, AiSpanRole Role, AiOperation? Operation);

/// <summary>
/// Maps one span to an <see cref="AiOperation"/> (DESIGN.md section 3): OpenTelemetry GenAI conventions
/// v1.36-v1.41 (and the older names they replaced), Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c>, the
/// Vercel AI SDK 5 / 6 <c>ai.*</c> spans and AI SDK 7's GenAI spans. Pure: the same span always maps the same way.
/// Counting each call once across spans is <see cref="AiCallAssembler"/>'s job.
/// </summary>
public static class GenAiSpanMapper
{
    /// <summary>GenAI operations that describe one model call (counted when no nested span of the same call was).</summary>
    private static readonly HashSet<string> GenAiOperationNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "chat", "text_completion", "generate_content", "embeddings", "invoke_agent",
    };

    /// <summary>Maps a span; <paramref name="environment"/> is the resource's deployment environment.</summary>
    public static MappedSpan Map(SpanRecord span, string? environment = null)
    {
        ArgumentNullException.ThrowIfNull(span);
        var attributes = span.Attributes;
        var vercel = VercelKind(span.Name, attributes);
        if (vercel is { } v)
        {
            return new MappedSpan(span, v.IsModelCall ? AiSpanRole.VercelModelCall : AiSpanRole.VercelCall, Build(span, environment, v.Operation));
        }

        if (Text(attributes, "gen_ai.operation.name") is { } operationName)
        {
            // Agent steps, tool executions and agent creation are parts of a call, not model calls: spans only.
            return GenAiOperationNames.Contains(operationName)
                ? new MappedSpan(span, AiSpanRole.GenAi, Build(span, environment, GenAiKind(operationName)))
                : new MappedSpan(span, AiSpanRole.GenAiStep, null);
        }

        // Older GenAI instrumentations (before gen_ai.operation.name was required) set gen_ai.system and a model.
        if (Text(attributes, "gen_ai.system") is not null && (Text(attributes, "gen_ai.request.model") ?? Text(attributes, "gen_ai.response.model")) is not null)
        {
            return new MappedSpan(span, AiSpanRole.GenAi, Build(span, environment, AiOperationKinds.Chat));
        }

        return new MappedSpan(span, AiSpanRole.None, null);
    }

    /// <summary>
    /// One operation for a Vercel call: the call span's operation, completed from its provider spans with what it
    /// lacks (response model, time to first token, provider, finish reasons, and tokens when the call span has none).
    /// </summary>
    public static AiOperation MergeVercel(AiOperation call, IReadOnlyList<AiOperation> modelCalls)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(modelCalls);
        if (modelCalls.Count == 0)
        {
            return call;
        }

        var first = modelCalls[0];
        var last = modelCalls[^1];
        var callHasTokens = call.InputTokens > 0 || call.OutputTokens > 0;
        var sum = callHasTokens ? call : SumTokens(call, modelCalls);
        return sum with
        {
            Provider = call.Provider != "unknown" ? call.Provider : first.Provider,
            RequestModel = call.RequestModel != "unknown" ? call.RequestModel : first.RequestModel,
            ResponseModel = call.ResponseModel ?? last.ResponseModel ?? first.ResponseModel,
            TimeToFirstTokenMs = call.TimeToFirstTokenMs ?? first.TimeToFirstTokenMs,
            FinishReasons = call.FinishReasons ?? last.FinishReasons,
            // The call span's status is the outcome (a failed attempt the SDK retried is not a failed call);
            // failed provider spans before the outcome are retries.
            Error = call.Status == AiOperationStatus.Error ? call.Error ?? modelCalls.LastOrDefault(m => m.Error is not null)?.Error : null,
            RetryCount = Math.Max(call.RetryCount, modelCalls.Count(m => m.Status == AiOperationStatus.Error) - (call.Status == AiOperationStatus.Error ? 1 : 0)),
        };
    }

    /// <summary>One operation from provider spans whose call span never arrived: the first one's identity, all their tokens.</summary>
    public static AiOperation FromModelCalls(IReadOnlyList<AiOperation> modelCalls)
    {
        ArgumentNullException.ThrowIfNull(modelCalls);
        if (modelCalls.Count == 0)
        {
            throw new ArgumentException("at least one model call is needed", nameof(modelCalls));
        }

        var first = modelCalls[0];
        var last = modelCalls[^1];
        var end = modelCalls.Max(m => m.EndTime);
        var merged = modelCalls.Count == 1 ? first : SumTokens(first, modelCalls);
        return merged with
        {
            DurationMs = Math.Max(0, (end - first.StartTime).TotalMilliseconds),
            ResponseModel = last.ResponseModel ?? first.ResponseModel,
            Status = last.Status,
            Error = last.Error,
            FinishReasons = last.FinishReasons,
            RetryCount = modelCalls.Count(m => m.Status == AiOperationStatus.Error) - (last.Status == AiOperationStatus.Error ? 1 : 0),
        };
    }

    private static AiOperation SumTokens(AiOperation target, IReadOnlyList<AiOperation> parts) => target with
    {
        InputTokens = parts.Sum(p => p.InputTokens),
        OutputTokens = parts.Sum(p => p.OutputTokens),
        CachedInputTokens = parts.Sum(p => p.CachedInputTokens),
        CacheCreationInputTokens = parts.Sum(p => p.CacheCreationInputTokens),
        ReasoningTokens = parts.Sum(p => p.ReasoningTokens),
    };

    private static AiOperation Build(SpanRecord span, string? environment, string operation)
    {
        var a = span.Attributes;
        var isError = span.Status == "error";
        var input = Count(a, "gen_ai.usage.input_tokens", "ai.usage.inputTokens", "ai.usage.promptTokens", "gen_ai.usage.prompt_tokens", "ai.usage.tokens");
        var output = Count(a, "gen_ai.usage.output_tokens", "ai.usage.outputTokens", "ai.usage.completionTokens", "gen_ai.usage.completion_tokens");
        var cached = Count(a, "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "ai.usage.cachedInputTokens", "ai.usage.inputTokenDetails.cacheReadTokens");
        var cacheCreation = Count(a, "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens", "ai.usage.inputTokenDetails.cacheWriteTokens");
        var reasoning = Count(a, "gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens", "ai.usage.reasoningTokens", "ai.usage.outputTokenDetails.reasoningTokens");

        // Totals include their parts (GenAI conventions). A total smaller than its own parts cannot include
        // them (a sender passing a provider's raw numbers, e.g. Anthropic's input_tokens): add the parts.
        if (input < cached + cacheCreation)
        {
            input += cached + cacheCreation;
        }

        if (output < reasoning)
        {
            output += reasoning;
        }

        var metadata = Metadata(a);
        return new AiOperation
        {
            OperationId = span.SpanId,
            TraceId = span.TraceId,
            SpanId = span.SpanId,
            ParentSpanId = span.ParentSpanId,
            StartTime = span.StartTime,
            DurationMs = span.DurationMs,
            TimeToFirstTokenMs = Milliseconds(a, "ai.response.msToFirstChunk")
                ?? Seconds(a, "gen_ai.client.operation.time_to_first_chunk") ?? Seconds(a, "gen_ai.response.time_to_first_chunk"),
            Operation = operation,
            Provider = Provider(a),
            RequestModel = Text(a, "gen_ai.request.model") ?? Text(a, "ai.model.id") ?? Text(a, "gen_ai.response.model") ?? "unknown",
            ResponseModel = Text(a, "gen_ai.response.model") ?? Text(a, "ai.response.model"),
            InputTokens = input,
            OutputTokens = output,
            CachedInputTokens = cached,
            CacheCreationInputTokens = cacheCreation,
            ReasoningTokens = reasoning,
            Status = isError ? AiOperationStatus.Error : AiOperationStatus.Ok,
            Error = isError ? Error(span) : null,
            Application = span.Application,
            FunctionId = Text(a, "ai.telemetry.functionId") ?? Text(a, "conciergus.function_id") ?? Text(a, "gen_ai.agent.name"),
            UserId = Text(a, "ai.telemetry.metadata.userId") ?? Text(a, "ai.telemetry.metadata.user_id") ?? Text(a, "conciergus.user_id")
                ?? Text(a, "user.id") ?? Text(a, "enduser.id"),
            SessionId = Text(a, "ai.telemetry.metadata.sessionId") ?? Text(a, "ai.telemetry.metadata.session_id") ?? Text(a, "conciergus.session_id")
                ?? Text(a, "session.id"),
            ConversationId = Text(a, "gen_ai.conversation.id") ?? Text(a, "ai.telemetry.metadata.conversationId"),
            Environment = Text(a, "conciergus.environment") ?? environment,
            ExperimentKey = Text(a, "conciergus.experiment.key"),
            ExperimentVariant = Text(a, "conciergus.experiment.variant"),
            FinishReasons = FinishReasons(a),
            Metadata = metadata,
        };
    }

    private static (string Operation, bool IsModelCall)? VercelKind(string name, IReadOnlyDictionary<string, string> attributes)
    {
        // ai.operationId is the SDK's own name for the span ("ai.generateText.doGenerate"); the span name may
        // carry the function id after a space ("ai.generateText greet") in some exporters' views.
        var id = Text(attributes, "ai.operationId") ?? name;
        if (!id.StartsWith("ai.", StringComparison.Ordinal))
        {
            return null;
        }

        var space = id.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0)
        {
            id = id[..space];
        }

        var parts = id.Split('.');
        if (parts.Length is < 2 or > 3)
        {
            return null;
        }

        var operation = parts[1] switch
        {
            "generateText" => AiOperationKinds.GenerateText,
            "streamText" => AiOperationKinds.StreamText,
            "generateObject" or "streamObject" => AiOperationKinds.GenerateObject,
            "embed" or "embedMany" => AiOperationKinds.Embeddings,
            _ => null,
        };
        if (operation is null)
        {
            return null;
        }

        if (parts.Length == 2)
        {
            return (operation, false);
        }

        return parts[2] is "doGenerate" or "doStream" or "doEmbed" ? (operation, true) : null;
    }

    private static string GenAiKind(string operationName) => operationName.ToLowerInvariant() switch
    {
        "chat" or "generate_content" => AiOperationKinds.Chat,
        "text_completion" => AiOperationKinds.GenerateText,
        "embeddings" => AiOperationKinds.Embeddings,
        "invoke_agent" => AiOperationKinds.InvokeAgent,
        var other => other,
    };

    /// <summary>Provider name as the GenAI conventions spell it, from gen_ai.provider.name, gen_ai.system or ai.model.provider.</summary>
    internal static string Provider(IReadOnlyDictionary<string, string> a)
    {
        var raw = Text(a, "gen_ai.provider.name") ?? Text(a, "gen_ai.system") ?? Text(a, "ai.model.provider");
        if (raw is null)
        {
            return "unknown";
        }

        var name = raw.ToLowerInvariant();
        if (KnownProviders.TryGetValue(name, out var known))
        {
            return known;
        }

        // Vercel AI SDK: "<provider>.<api>" ("openai.chat", "anthropic.messages", "google.generative-ai").
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0 && KnownProviders.TryGetValue(name[..dot], out known))
        {
            return known;
        }

        return name;
    }

    private static readonly Dictionary<string, string> KnownProviders = new(StringComparer.Ordinal)
    {
        ["openai"] = "openai",
        ["anthropic"] = "anthropic",
        ["azure.ai.openai"] = "azure.ai.openai",
        ["az.ai.openai"] = "azure.ai.openai",
        ["azure"] = "azure.ai.openai",
        ["azure-openai"] = "azure.ai.openai",
        ["azure.ai.inference"] = "azure.ai.inference",
        ["az.ai.inference"] = "azure.ai.inference",
        ["gcp.gemini"] = "gcp.gemini",
        ["gemini"] = "gcp.gemini",
        ["google"] = "gcp.gemini",
        ["gcp.vertex_ai"] = "gcp.vertex_ai",
        ["vertex_ai"] = "gcp.vertex_ai",
        ["vertex"] = "gcp.vertex_ai",
        ["gcp.gen_ai"] = "gcp.gen_ai",
        ["aws.bedrock"] = "aws.bedrock",
        ["amazon-bedrock"] = "aws.bedrock",
        ["bedrock"] = "aws.bedrock",
        ["mistral_ai"] = "mistral_ai",
        ["mistral"] = "mistral_ai",
        ["x_ai"] = "x_ai",
        ["xai"] = "x_ai",
        ["groq"] = "groq",
        ["deepseek"] = "deepseek",
        ["perplexity"] = "perplexity",
        ["cohere"] = "cohere",
        ["ibm.watsonx.ai"] = "ibm.watsonx.ai",
        ["ollama"] = "ollama",
    };

    private static ErrorDetails Error(SpanRecord span)
    {
        var a = span.Attributes;
        var type = Text(a, "error.type") ?? Text(a, "exception.type");
        var message = Text(a, "exception.message") ?? span.StatusMessage;
        int? httpStatus = Text(a, "http.response.status_code") is { } s && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) && code is >= 100 and <= 599
            ? code
            : null;

        // SDK exceptions (System.ClientModel, OpenAI, Azure) name the HTTP status only in their message.
        httpStatus ??= Logs.LogErrorDetails.StatusIn(message);
        return new ErrorDetails
        {
            Code = Logs.LogErrorDetails.CodeIn(message),
            // With no error.type, the status message is the best type we have (DESIGN: Type = status message).
            Type = type ?? span.StatusMessage,
            HttpStatus = httpStatus,
            Message = message is { Length: > OperationJsonReader.MaxLongTextLength } ? message[..OperationJsonReader.MaxLongTextLength] : message,
        };
    }

    private static Dictionary<string, string>? Metadata(IReadOnlyDictionary<string, string> a)
    {
        const string prefix = "ai.telemetry.metadata.";
        Dictionary<string, string>? result = null;
        foreach (var (key, value) in a)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal) || key.Length == prefix.Length)
            {
                continue;
            }

            var name = key[prefix.Length..];
            if (name is "userId" or "user_id" or "sessionId" or "session_id" or "conversationId")
            {
                continue;
            }

            result ??= new Dictionary<string, string>(StringComparer.Ordinal);
            if (result.Count >= AiOperation.MaxMetadataEntries)
            {
                break;
            }

            result[name] = value.Length > OperationJsonReader.MaxLongTextLength ? value[..OperationJsonReader.MaxLongTextLength] : value;
        }

        return result;
    }

    private static string[]? FinishReasons(IReadOnlyDictionary<string, string> a)
    {
        var raw = Text(a, "gen_ai.response.finish_reasons") ?? Text(a, "ai.response.finishReason");
        if (raw is null)
        {
            return null;
        }

        return ParseFinishReasons(raw);
    }

    /// <summary>
    /// Finish reasons from their attribute text: a JSON array of strings (as the exporters flatten a string array), or
    /// one reason. The plain form every SDK sends (no escapes) is read without the JSON serializer, which cost a fifth of
    /// the mapping in the ingestion profile (bench/README.md); anything else goes through it as before.
    /// </summary>
    internal static string[]? ParseFinishReasons(string raw)
    {
        if (!raw.StartsWith('['))
        {
            return [raw];
        }

        if (TryParsePlainArray(raw, out var plain))
        {
            return plain.Length > 0 ? plain : null;
        }

        try
        {
            var reasons = JsonSerializer.Deserialize<string[]>(raw);
            return reasons is { Length: > 0 } ? reasons : null;
        }
        catch (JsonException)
        {
            return [raw];
        }
    }

    /// <summary>["a", "b"] with no backslash anywhere: the strings between quotes. False for anything else (null, numbers, escapes).</summary>
    private static bool TryParsePlainArray(string raw, out string[] reasons)
    {
        reasons = [];
        var text = raw.AsSpan();
        if (text.Length < 2 || text[^1] != ']' || text.Contains('\\'))
        {
            return false;
        }

        var inner = text[1..^1].Trim();
        if (inner.IsEmpty)
        {
            return true;
        }

        // Two passes over a few characters: count, then cut, so the array is allocated at its size.
        var count = 0;
        for (var pass = 0; pass < 2; pass++)
        {
            var rest = inner;
            var index = 0;
            while (true)
            {
                if (rest.IsEmpty || rest[0] != '"')
                {
                    return false;
                }

                var end = rest[1..].IndexOf('"');
                if (end < 0)
                {
                    return false;
                }

                if (pass == 1)
                {
                    reasons[index] = Known(rest.Slice(1, end));
                }

                index++;
                rest = rest[(end + 2)..].TrimStart();
                if (rest.IsEmpty)
                {
                    break;
                }

                if (rest[0] != ',')
                {
                    return false;
                }

                rest = rest[1..].TrimStart();
            }

            count = index;
            if (pass == 0)
            {
                reasons = new string[count];
            }
        }

        return true;
    }

    /// <summary>The usual reasons as shared strings (no allocation per span); others as a new string.</summary>
    private static string Known(ReadOnlySpan<char> reason) => reason switch
    {
        "stop" => "stop",
        "length" => "length",
        "tool_calls" => "tool_calls",
        "content_filter" => "content_filter",
        "end_turn" => "end_turn",
        "max_tokens" => "max_tokens",
        "tool_use" => "tool_use",
        "stop_sequence" => "stop_sequence",
        "error" => "error",
        _ => reason.ToString(),
    };

    private static string? Text(IReadOnlyDictionary<string, string> a, string key) =>
        a.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static long Count(IReadOnlyDictionary<string, string> a, params ReadOnlySpan<string> keys)
    {
        foreach (var key in keys)
        {
            if (a.TryGetValue(key, out var text))
            {
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                {
                    return Math.Max(0, n);
                }

                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && d >= 0)
                {
                    return (long)Math.Min(d, long.MaxValue / 2);
                }
            }
        }

        return 0;
    }

    private static double? Milliseconds(IReadOnlyDictionary<string, string> a, string key) =>
        a.TryGetValue(key, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && double.IsFinite(ms) && ms >= 0
            ? ms
            : null;

    private static double? Seconds(IReadOnlyDictionary<string, string> a, string key) => Milliseconds(a, key) * 1000;
}
