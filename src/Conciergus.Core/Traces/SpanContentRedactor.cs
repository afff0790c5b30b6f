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
    private static readonly string[] ContentKeys =
    [
        "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.prompt", "gen_ai.completion",
        "gen_ai.tool.call.arguments", "gen_ai.tool.call.result",
        "ai.prompt", "ai.prompt.messages", "ai.response.text", "ai.response.object", "ai.response.toolCalls",
        "ai.toolCall.args", "ai.toolCall.result", "ai.values", "ai.value", "ai.embedding", "ai.embeddings",
    ];

    // Older conventions index messages: gen_ai.prompt.0.content, gen_ai.completion.0.content.
    private static readonly string[] ContentPrefixes = ["gen_ai.prompt.", "gen_ai.completion.", "ai.prompt.", "ai.response.text."];

    /// <summary>The shared instance.</summary>
    public static LengthOnlyContentRedactor Instance { get; } = new();

    /// <inheritdoc />
    public bool IsContent(string attributeKey)
    {
        ArgumentNullException.ThrowIfNull(attributeKey);
        if (Array.IndexOf(ContentKeys, attributeKey) >= 0)
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
    public string Redact(string attributeKey, string value) => $"[redacted: {value?.Length ?? 0} chars]";
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
