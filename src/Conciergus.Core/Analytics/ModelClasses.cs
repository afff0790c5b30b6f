using Conciergus.Core.Pricing;

namespace Conciergus.Core.Analytics;

/// <summary>What a model is for, so that cost hints compare like with like.</summary>
public enum ModelClass
{
    /// <summary>Embedding models (operation <c>embeddings</c>): input tokens only.</summary>
    Embedding,

    /// <summary>Small, fast chat models (gpt-4o-mini, Claude Haiku, Gemini Flash, Mistral Small ...).</summary>
    SmallChat,

    /// <summary>Frontier chat models (gpt-4o, gpt-4.1, gpt-5, Claude Sonnet and Opus, Gemini Pro, Mistral Large ...).</summary>
    FrontierChat,

    /// <summary>Reasoning models that think before answering (o1, o3, o4-mini, Magistral ...).</summary>
    Reasoning,
}

/// <summary>
/// The capability class of each catalog model: a judgement, kept as a small table next to the hints that use it.
/// Embedding models follow the catalog's <c>kind</c>. A chat model missing from the table has no class and is never
/// compared (better no hint than a hint across classes); add it here when the catalog gains a model.
/// </summary>
public static class ModelClasses
{
    private static readonly Dictionary<string, ModelClass> Table = new(StringComparer.OrdinalIgnoreCase)
    {
        // Small / fast chat
        ["gpt-4o-mini"] = ModelClass.SmallChat,
        ["gpt-4.1-mini"] = ModelClass.SmallChat,
        ["gpt-4.1-nano"] = ModelClass.SmallChat,
        ["gpt-3.5-turbo"] = ModelClass.SmallChat,
        ["gpt-5-mini"] = ModelClass.SmallChat,
        ["gpt-5-nano"] = ModelClass.SmallChat,
        ["claude-haiku-4-5"] = ModelClass.SmallChat,
        ["claude-3-5-haiku"] = ModelClass.SmallChat,
        ["claude-3-haiku"] = ModelClass.SmallChat,
        ["gemini-2.5-flash"] = ModelClass.SmallChat,
        ["gemini-2.5-flash-lite"] = ModelClass.SmallChat,
        ["gemini-2.0-flash"] = ModelClass.SmallChat,
        ["gemini-2.0-flash-lite"] = ModelClass.SmallChat,
        ["mistral-small"] = ModelClass.SmallChat,
        ["ministral-8b"] = ModelClass.SmallChat,
        ["ministral-3b"] = ModelClass.SmallChat,

        // Frontier chat
        ["gpt-4o"] = ModelClass.FrontierChat,
        ["gpt-4o-2024-05-13"] = ModelClass.FrontierChat,
        ["gpt-4o-2024-08-06"] = ModelClass.FrontierChat,
        ["chatgpt-4o-latest"] = ModelClass.FrontierChat,
        ["gpt-4.1"] = ModelClass.FrontierChat,
        ["gpt-4-turbo"] = ModelClass.FrontierChat,
        ["gpt-4"] = ModelClass.FrontierChat,
        ["gpt-5"] = ModelClass.FrontierChat,
        ["gpt-5.1"] = ModelClass.FrontierChat,
        ["gpt-5.2"] = ModelClass.FrontierChat,
        ["claude-opus-4-5"] = ModelClass.FrontierChat,
        ["claude-opus-4-1"] = ModelClass.FrontierChat,
        ["claude-opus-4"] = ModelClass.FrontierChat,
        ["claude-sonnet-4-5"] = ModelClass.FrontierChat,
        ["claude-sonnet-4"] = ModelClass.FrontierChat,
        ["claude-3-7-sonnet"] = ModelClass.FrontierChat,
        ["claude-3-5-sonnet"] = ModelClass.FrontierChat,
        ["claude-3-opus"] = ModelClass.FrontierChat,
        ["gemini-3-pro"] = ModelClass.FrontierChat,
        ["gemini-2.5-pro"] = ModelClass.FrontierChat,
        ["mistral-large"] = ModelClass.FrontierChat,
        ["mistral-medium"] = ModelClass.FrontierChat,
        ["pixtral-large"] = ModelClass.FrontierChat,

        // Reasoning
        ["o1"] = ModelClass.Reasoning,
        ["o1-preview"] = ModelClass.Reasoning,
        ["o1-mini"] = ModelClass.Reasoning,
        ["o1-pro"] = ModelClass.Reasoning,
        ["o3"] = ModelClass.Reasoning,
        ["o3-pro"] = ModelClass.Reasoning,
        ["o3-mini"] = ModelClass.Reasoning,
        ["o4-mini"] = ModelClass.Reasoning,
        ["gpt-5-pro"] = ModelClass.Reasoning,
        ["magistral-medium"] = ModelClass.Reasoning,
        ["magistral-small"] = ModelClass.Reasoning,
    };

    /// <summary>The class of a catalog model; null for a chat model the table does not list (code models, for one).</summary>
    public static ModelClass? Of(ModelPricing model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Kind == ModelKind.Embedding ? ModelClass.Embedding
            : Table.TryGetValue(model.Id, out var c) ? c
            : null;
    }

    /// <summary>The operation a class serves: <c>embeddings</c> or <c>chat</c>.</summary>
    public static string Operation(ModelClass modelClass) => modelClass == ModelClass.Embedding ? "embeddings" : "chat";

    /// <summary>Words for a class, in hints.</summary>
    public static string Describe(ModelClass modelClass) => modelClass switch
    {
        ModelClass.Embedding => "embedding",
        ModelClass.SmallChat => "small/fast chat",
        ModelClass.FrontierChat => "frontier chat",
        _ => "reasoning",
    };
}
