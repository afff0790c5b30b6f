using Microsoft.Extensions.AI;

namespace Conciergus.Core.Model;

/// <summary>Token counts of one call, normalised to the AiOperation rules (totals include their parts).</summary>
internal readonly record struct TokenUsage(long Input, long Output, long CachedInput, long CacheCreation, long Reasoning)
{
    // Keys seen in UsageDetails.AdditionalCounts for prompt-cache writes, compared after dropping '_', '.', '-'
    // and case (Anthropic-based adapters use "CacheCreationInputTokens" or the wire name
    // "cache_creation_input_tokens"; Bedrock's is "CacheWriteInputTokens").
    private static readonly string[] CacheCreationKeys =
    [
        "cachecreationinputtokens", "cachecreationinputtokencount", "cachecreationtokens", "cachecreationtokencount",
        "cachewriteinputtokens", "cachewriteinputtokencount", "cachewritetokens",
        "inputtokendetailscachecreationtokencount",
    ];

    /// <summary>
    /// Maps M.E.AI usage. UsageDetails documents that InputTokenCount includes cached tokens and that
    /// OutputTokenCount includes reasoning tokens, which is our rule too, so the totals are taken as they
    /// are. Some adapters pass a provider's raw count instead (Anthropic's input_tokens excludes cache
    /// reads and writes; Gemini's candidates count excludes thoughts): when a total is smaller than its
    /// own parts it cannot include them, so the parts are added. When it is larger we cannot tell and
    /// trust the contract.
    /// </summary>
    public static TokenUsage From(UsageDetails? usage)
    {
        if (usage is null)
        {
            return default;
        }

        var cached = Math.Max(0, usage.CachedInputTokenCount ?? 0);
        var reasoning = Math.Max(0, usage.ReasoningTokenCount ?? 0);
        var creation = ReadCacheCreation(usage.AdditionalCounts);
        var input = Math.Max(0, usage.InputTokenCount ?? 0);
        var output = Math.Max(0, usage.OutputTokenCount ?? 0);

        if (input < cached + creation)
        {
            input += cached + creation;
        }

        if (output < reasoning)
        {
            output += reasoning;
        }

        return new TokenUsage(input, output, cached, creation, reasoning);
    }

    private static long ReadCacheCreation(AdditionalPropertiesDictionary<long>? counts)
    {
        if (counts is null || counts.Count == 0)
        {
            return 0;
        }

        // Max, not sum: an adapter may report the same writes under two spellings.
        long result = 0;
        foreach (var (key, value) in counts)
        {
            if (Array.IndexOf(CacheCreationKeys, Normalize(key)) >= 0)
            {
                result = Math.Max(result, value);
            }
        }

        return result;
    }

    private static string Normalize(string key)
    {
        Span<char> buffer = stackalloc char[Math.Min(key.Length, 128)];
        var length = 0;
        foreach (var c in key)
        {
            if (c is '_' or '.' or '-')
            {
                continue;
            }

            if (length == buffer.Length)
            {
                break;
            }

            buffer[length++] = char.ToLowerInvariant(c);
        }

        return new string(buffer[..length]);
    }
}
