using System.Text.Json;
using Conciergus.Core.Ingestion.Otlp;

namespace Conciergus.Dashboard.Tests.Ingestion;

/// <summary>The finish-reasons attribute read without the JSON serializer gives what the serializer gives.</summary>
public sealed class FinishReasonsParsingTests
{
    [Theory]
    [InlineData("[\"stop\"]")]
    [InlineData("[\"stop\",\"length\"]")]
    [InlineData("[ \"tool_calls\" , \"content_filter\" ]")]
    [InlineData("[\"a,b\",\"c\"]")]
    [InlineData("[\"custom reason\"]")]
    [InlineData("[]")]
    [InlineData("[ ]")]
    [InlineData("[\"\"]")]
    [InlineData("[\"with \\\"escape\\\"\"]")]
    [InlineData("[\"\\u0041\"]")]
    [InlineData("[null]")]
    [InlineData("[1,2]")]
    [InlineData("[\"stop\",]")]
    [InlineData("[\"stop\"")]
    [InlineData("[\"stop\" \"length\"]")]
    [InlineData("[stop]")]
    public void ParseFinishReasons_JsonArray_MatchesTheSerializer(string raw)
    {
        // Reference: System.Text.Json (the previous implementation), including its fallback for invalid JSON.
        string[]? expected;
        try
        {
            var parsed = JsonSerializer.Deserialize<string[]>(raw);
            expected = parsed is { Length: > 0 } ? parsed : null;
        }
        catch (JsonException)
        {
            expected = [raw];
        }

        Assert.Equal(expected, GenAiSpanMapper.ParseFinishReasons(raw));
    }

    [Fact]
    public void ParseFinishReasons_NotAnArray_IsOneReason()
    {
        string[] expected = ["stop"];
        Assert.Equal(expected, GenAiSpanMapper.ParseFinishReasons("stop"));
    }
}
