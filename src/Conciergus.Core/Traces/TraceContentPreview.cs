using System.Text.Json;

namespace Conciergus.Core.Traces;

/// <summary>
/// A trace's input and output in one line each, for the Traces list (issue 22 item 8): the last message text of the
/// first AI span's prompt and the first text of the last AI span's answer, from the content attributes as the store
/// keeps them (never captured: "[not captured: N chars]"; captured: redacted by the capture policy). The caller decides
/// whether it may be shown (capture on and the reveal role), and renders it as text.
/// </summary>
public static class TraceContentPreview
{
    /// <summary>Longest preview, in characters (an ellipsis marks the cut).</summary>
    public const int MaxLength = 140;

    private static readonly string[] InputKeys =
        ["gen_ai.input.messages", "gen_ai.prompt", "ai.prompt.messages", "ai.prompt", "gen_ai.content.prompt", "gen_ai.prompt.0.content"];

    private static readonly string[] OutputKeys =
        ["gen_ai.output.messages", "gen_ai.completion", "ai.response.text", "ai.response.object", "gen_ai.content.completion", "gen_ai.completion.0.content"];

    // JSON message shapes put the words under these names (GenAI parts' "content", AI SDK's "text", ai.prompt's "prompt").
    private static readonly string[] TextNames = ["content", "text", "prompt"];

    /// <summary>The input and output previews of a trace's spans (waterfall order); null where no span carries content.</summary>
    public static (string? Input, string? Output) Of(IReadOnlyList<TraceSpanNode> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        string? input = null;
        string? output = null;
        foreach (var node in spans)
        {
            var attributes = node.Span.Attributes;
            if (input is null && Find(attributes, InputKeys) is { } prompt)
            {
                input = Shorten(LastText(prompt));
            }

            if (Find(attributes, OutputKeys) is { } answer)
            {
                output = Shorten(FirstText(answer)); // the last answer in the trace wins
            }
        }

        return (input, output);
    }

    /// <summary><paramref name="text"/> on one line, at most <see cref="MaxLength"/> characters.</summary>
    public static string Shorten(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var line = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= MaxLength ? line : line[..(MaxLength - 1)].TrimEnd() + "…";
    }

    private static string? Find(IReadOnlyDictionary<string, string> attributes, string[] keys)
    {
        foreach (var key in keys)
        {
            if (attributes.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value))
            {
                return value;
            }
        }

        return null;
    }

    private static string LastText(string value) => Texts(value) is { Count: > 0 } texts ? texts[^1] : value;

    private static string FirstText(string value) => Texts(value) is { Count: > 0 } texts ? texts[0] : value;

    // The strings under the text names of a JSON value, in document order; none when the value is not JSON (plain text).
    private static List<string>? Texts(string value)
    {
        var trimmed = value.TrimStart();
        if (trimmed.Length == 0 || trimmed[0] is not ('[' or '{'))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(value, new JsonDocumentOptions { MaxDepth = 32 });
            var found = new List<string>();
            Collect(document.RootElement, found);
            return found;
        }
        catch (JsonException)
        {
            return null; // redaction or a cut can leave invalid JSON: the text as it is
        }
    }

    private static void Collect(JsonElement element, List<string> found)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.String && TextNames.Contains(property.Name, StringComparer.Ordinal))
                    {
                        if (property.Value.GetString() is { Length: > 0 } text)
                        {
                            found.Add(text);
                        }
                    }
                    else if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        Collect(property.Value, found);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } text)
                    {
                        found.Add(text);
                    }
                    else
                    {
                        Collect(item, found);
                    }
                }

                break;
        }
    }
}
