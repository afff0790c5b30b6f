using System.Collections.Frozen;
using Conciergus.Core.Audit;

namespace Conciergus.Core.Traces;

/// <summary>
/// Decides how message content (prompts, responses, tool arguments) in span attributes is shown. The privacy
/// feature replaces the registration with real redaction; until then content is reduced to its length.
/// </summary>
public interface ISpanContentRedactor
{
    /// <summary>Whether the attribute carries message content.</summary>
    bool IsContent(string attributeKey);

    /// <summary>What to show instead of the content.</summary>
    string Redact(string attributeKey, string value);
}

/// <summary>Shows "[redacted: N chars]" for message content attributes.</summary>
public sealed class LengthOnlyContentRedactor : ISpanContentRedactor
{
    private static readonly FrozenSet<string> ContentKeys = new[]
    {
        "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.prompt", "gen_ai.completion",
        "gen_ai.tool.call.arguments", "gen_ai.tool.call.result",
        "ai.prompt", "ai.prompt.messages", "ai.response.text", "ai.response.object", "ai.response.toolCalls", "ai.response.reasoning",
        "gen_ai.content.prompt", "gen_ai.content.completion",
        "ai.toolCall.args", "ai.toolCall.result", "ai.values", "ai.value", "ai.embedding", "ai.embeddings",
    }.ToFrozenSet(StringComparer.Ordinal);

    // Older conventions index messages: gen_ai.prompt.0.content, gen_ai.completion.0.content.
    private static readonly string[] ContentPrefixes = ["gen_ai.prompt.", "gen_ai.completion.", "ai.prompt.", "ai.response.text."];

    /// <summary>The shared instance.</summary>
    public static LengthOnlyContentRedactor Instance { get; } = new();

    /// <inheritdoc />
    public bool IsContent(string attributeKey)
    {
        ArgumentNullException.ThrowIfNull(attributeKey);
        if (ContentKeys.Contains(attributeKey))
        {
            return true;
        }

        foreach (var prefix in ContentPrefixes)
        {
            if (attributeKey.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public string Redact(string attributeKey, string value) =>
        value is not null && value.StartsWith(SpanContentStorage.NotCapturedPrefix, StringComparison.Ordinal)
            ? value // never captured: the stored length is what there is to show
            : $"[redacted: {value?.Length ?? 0} chars]";
}

/// <summary>Applies an <see cref="ISpanContentRedactor"/> to attribute maps.</summary>
public static class SpanContentRedaction
{
    /// <summary>The attributes with message content redacted (the same instance when nothing is content).</summary>
    public static IReadOnlyDictionary<string, string> RedactAttributes(this ISpanContentRedactor redactor, IReadOnlyDictionary<string, string> attributes)
    {
        ArgumentNullException.ThrowIfNull(redactor);
        ArgumentNullException.ThrowIfNull(attributes);
        Dictionary<string, string>? copy = null;
        foreach (var (key, value) in attributes)
        {
            if (redactor.IsContent(key))
            {
                copy ??= new Dictionary<string, string>(attributes, StringComparer.Ordinal);
                copy[key] = redactor.Redact(key, value);
            }
        }

        return copy ?? attributes;
    }
}

/// <summary>
/// What of a span's message content the trace store keeps (issue 15 item 6). With
/// <c>Conciergus:Privacy:CaptureContent=false</c> (the default) content attributes are never kept: only their length,
/// as "[not captured: N chars]". With capture on they are kept redacted (emails, phone numbers, card numbers, keys) by
/// the <see cref="ContentCapturePolicy"/>. Applied to every span before it enters the store, whatever its source.
/// </summary>
public sealed class SpanContentStorage
{
    private readonly ContentCapturePolicy? _policy;

    /// <summary>Storage by <paramref name="policy"/>; null keeps lengths only (capture off).</summary>
    public SpanContentStorage(ContentCapturePolicy? policy) => _policy = policy;

    /// <summary>Whether message content is kept (redacted).</summary>
    public bool CapturesContent => _policy?.CaptureContent == true;

    /// <summary>What a content attribute of <paramref name="length"/> characters becomes when capture is off.</summary>
    public static string NotCaptured(int length) => $"{NotCapturedPrefix}{length} chars]";

    /// <summary>How a never-captured value starts.</summary>
    public const string NotCapturedPrefix = "[not captured: ";

    /// <summary>The span as it may be stored (the same instance when it carries no content attribute).</summary>
    public SpanRecord Prepare(SpanRecord span)
    {
        ArgumentNullException.ThrowIfNull(span);
        Dictionary<string, string>? copy = null;
        var capture = CapturesContent;
        foreach (var (key, value) in span.Attributes)
        {
            if (!LengthOnlyContentRedactor.Instance.IsContent(key))
            {
                continue;
            }

            copy ??= new Dictionary<string, string>(span.Attributes, StringComparer.Ordinal);
            copy[key] = capture ? _policy!.Redact(value) : NotCaptured(value?.Length ?? 0);
            if (!capture && value is { Length: > 0 })
            {
                _policy?.Withheld.Add(); // content arrived although capture is off (a compliance violation metric)
            }
        }

        return copy is null ? span : span with { Attributes = copy };
    }
}
