namespace Conciergus.Core.Pricing;

/// <summary>Maps provider names (OpenTelemetry gen_ai.provider.name, gen_ai.system, Vercel AI SDK ai.model.provider) to a price family.</summary>
internal static class ProviderFamilies
{
    private static readonly Dictionary<string, string?> Families = new(StringComparer.OrdinalIgnoreCase)
    {
        ["openai"] = "openai",
        ["azure.ai.openai"] = "openai",
        ["az.ai.openai"] = "openai",
        ["azure"] = "openai",
        ["azure_openai"] = "openai",
        ["azure-openai"] = "openai",
        ["anthropic"] = "anthropic",
        ["gcp.gemini"] = "google",
        ["gcp.gen_ai"] = "google",
        ["google"] = "google",
        ["gemini"] = "google",
        ["mistral_ai"] = "mistral",
        ["mistral"] = "mistral",
        ["mistralai"] = "mistral",

        // Multi-vendor hosts: the model name decides.
        ["gcp.vertex_ai"] = null,
        ["aws.bedrock"] = null,
        ["amazon-bedrock"] = null,
    };

    /// <summary>The price family of a provider name, or null when unknown or multi-vendor.</summary>
    public static string? Normalize(string? provider)
    {
        if (string.IsNullOrWhiteSpace(provider))
        {
            return null;
        }

        if (Families.TryGetValue(provider, out var family))
        {
            return family;
        }

        // Vercel AI SDK style: "openai.chat", "anthropic.messages", "google.generative-ai", "mistral.chat".
        var dot = provider.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && Families.TryGetValue(provider[..dot], out family) ? family : null;
    }
}
