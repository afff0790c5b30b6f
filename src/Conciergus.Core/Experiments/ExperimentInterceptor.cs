using System.Globalization;
using System.Text;

using Conciergus.Core.Model;
using Conciergus.Core.Pricing;
using Conciergus.Core.Telemetry;

using Microsoft.Extensions.AI;

namespace Conciergus.Core.Experiments;

/// <summary>
/// The chat middleware's experiment seam: finds the first running experiment (oldest start first) that targets
/// the call and has the user in it, applies the variant's overrides and tags the operation. A call takes part in
/// at most one experiment: overlapping experiments would confound each other (split them with targeting or coverage).
/// Calls without a user id are never in an experiment.
/// <para>
/// A model override never moves a call to another provider: the pipeline's inner client is the provider, so a
/// variant's model applies only to calls whose provider serves it (the variant's <c>provider</c> when it names one,
/// else the price catalog's provider of that model). When any variant of an experiment cannot be applied to a call,
/// the call is not in that experiment: it is sent unchanged, untagged, and counted as "not applicable" under the
/// user's variant. Every variant has to apply, or the arms would see different traffic (a provider in one arm only).
/// </para>
/// </summary>
public sealed class ExperimentInterceptor(ExperimentService experiments, PriceCatalog? catalog = null) : IChatRequestInterceptor
{
    /// <summary>Key in AdditionalProperties that carries a variant's provider (metadata only).</summary>
    public const string ProviderProperty = "conciergus.experiment_provider";

    private readonly PriceCatalog _catalog = catalog ?? PriceCatalog.CreateBuiltIn();

    /// <inheritdoc />
    public ValueTask<ChatRequestInterception?> InterceptAsync(ChatRequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var running = experiments.Running;
        if (running.Count == 0 || string.IsNullOrEmpty(context.UserId))
        {
            return ValueTask.FromResult<ChatRequestInterception?>(null);
        }

        foreach (var experiment in running)
        {
            if (!Targets(experiment.Targeting, context))
            {
                continue;
            }

            var assignment = experiments.Assign(experiment, context.UserId);
            if (assignment is not { InExperiment: true, Variant: { } variantKey }
                || experiment.Variants.FirstOrDefault(v => v.Key == variantKey) is not { } variant)
            {
                continue;
            }

            if (!experiment.Variants.All(v => Applies(v.Overrides, context.Provider, _catalog)))
            {
                experiments.CountNotApplicable(experiment.Key, variantKey);
                continue;
            }

            return ValueTask.FromResult<ChatRequestInterception?>(Apply(context, experiment.Key, variant));
        }

        return ValueTask.FromResult<ChatRequestInterception?>(null);
    }

    /// <summary>
    /// Whether a variant's overrides can be applied to a call of <paramref name="callProvider"/>: always without a model
    /// override; with one, when the variant's provider (if named) is the call's provider family, and otherwise when the
    /// catalog's provider of the model is. A model the catalog does not know, or a multi-vendor host (Bedrock, Vertex),
    /// needs the variant to name the provider.
    /// </summary>
    public static bool Applies(VariantOverrides? overrides, string callProvider, PriceCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (overrides?.ModelId is not { Length: > 0 } model)
        {
            return true;
        }

        if (overrides.Provider is { Length: > 0 } provider)
        {
            return string.Equals(provider, callProvider, StringComparison.OrdinalIgnoreCase)
                || (ProviderFamilies.Normalize(provider) is { } family && family == ProviderFamilies.Normalize(callProvider));
        }

        return ProviderFamilies.Normalize(callProvider) is { } callFamily
            && catalog.Find(null, model) is { } pricing
            && string.Equals(ProviderFamilies.Normalize(pricing.Provider) ?? pricing.Provider, callFamily, StringComparison.Ordinal);
    }

    /// <summary>Whether the targeting matches the call: application, environment and every attribute condition.</summary>
    internal static bool Targets(ExperimentTargeting targeting, ChatRequestContext context)
    {
        if (targeting.Applications.Count > 0 && !targeting.Applications.Contains(context.Application, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        if (targeting.Environments.Count > 0
            && (context.Environment is null || !targeting.Environments.Contains(context.Environment, StringComparer.OrdinalIgnoreCase)))
        {
            return false;
        }

        foreach (var (name, expected) in targeting.Attributes)
        {
            if (!string.Equals(Attribute(name, context), expected, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    private static string? Attribute(string name, ChatRequestContext context)
    {
        if (context.Options?.AdditionalProperties is { } properties && properties.TryGetValue(name, out var value) && value is not null)
        {
            return Convert.ToString(value, CultureInfo.InvariantCulture);
        }

        var scope = ConciergusContext.Current;
        return name switch
        {
            "function_id" or "functionId" or ConciergusPropertyNames.FunctionId =>
                context.Options?.AdditionalProperties?.GetValueOrDefault(ConciergusPropertyNames.FunctionId) as string ?? scope?.FunctionId,
            "session_id" or "sessionId" or ConciergusPropertyNames.SessionId => scope?.SessionId,
            "provider" => context.Provider,
            "model" => context.RequestModel,
            _ => null,
        };
    }

    /// <summary>The request with the variant's overrides applied, tagged with experiment and variant.</summary>
    internal static ChatRequestInterception Apply(ChatRequestContext context, string experimentKey, ExperimentVariantDefinition variant)
    {
        var o = variant.Overrides;
        var options = context.Options?.Clone() ?? new ChatOptions();
        if (o.ModelId is { Length: > 0 } model)
        {
            options.ModelId = model;
        }

        if (o.Temperature is { } temperature)
        {
            options.Temperature = temperature;
        }

        if (o.MaxTokens is { } maxTokens)
        {
            options.MaxOutputTokens = maxTokens;
        }

        if (o.Provider is { Length: > 0 } provider)
        {
            (options.AdditionalProperties ??= [])[ProviderProperty] = provider;
        }

        foreach (var (name, text) in o.Options ?? new Dictionary<string, string>())
        {
            ApplyOption(options, name, text);
        }

        var messages = context.Messages.ToList();
        if (o.SystemPrompt is { } systemPrompt)
        {
            var index = messages.FindIndex(m => m.Role == ChatRole.System);
            if (index >= 0)
            {
                messages[index] = new ChatMessage(ChatRole.System, systemPrompt);
            }
            else
            {
                messages.Insert(0, new ChatMessage(ChatRole.System, systemPrompt));
            }
        }

        if (o.PromptTemplate is { } template)
        {
            var index = messages.FindLastIndex(m => m.Role == ChatRole.User);
            var input = index >= 0 ? messages[index].Text : "";
            var rendered = Render(template, input, o.Variables, context.Options?.AdditionalProperties);
            if (index >= 0)
            {
                messages[index] = new ChatMessage(ChatRole.User, rendered);
            }
            else
            {
                messages.Add(new ChatMessage(ChatRole.User, rendered));
            }
        }

        return new ChatRequestInterception
        {
            Messages = messages,
            Options = options,
            ExperimentKey = experimentKey,
            ExperimentVariant = variant.Key,
        };
    }

    /// <summary>
    /// Replaces {{name}} with the caller's text (input), a variant variable or a string from the call's
    /// AdditionalProperties, in that order; unknown variables stay as written so a mistake is visible.
    /// </summary>
    internal static string Render(string template, string input, IReadOnlyDictionary<string, string>? variables, AdditionalPropertiesDictionary? properties)
    {
        var result = new StringBuilder(template.Length + input.Length);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf("{{", i, StringComparison.Ordinal);
            var close = open < 0 ? -1 : template.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (open < 0 || close < 0)
            {
                result.Append(template, i, template.Length - i);
                break;
            }

            result.Append(template, i, open - i);
            var name = template[(open + 2)..close].Trim();
            string? value = name == "input" ? input
                : variables?.GetValueOrDefault(name)
                ?? (properties?.GetValueOrDefault(name) is { } p ? Convert.ToString(p, CultureInfo.InvariantCulture) : null);
            result.Append(value ?? template[open..(close + 2)]);
            i = close + 2;
        }

        return result.ToString();
    }

    private static void ApplyOption(ChatOptions options, string name, string text)
    {
        var invariant = CultureInfo.InvariantCulture;
        switch (name)
        {
            case "top_p" or "topP" when float.TryParse(text, NumberStyles.Float, invariant, out var topP):
                options.TopP = topP;
                break;
            case "top_k" or "topK" when int.TryParse(text, NumberStyles.Integer, invariant, out var topK):
                options.TopK = topK;
                break;
            case "frequency_penalty" or "frequencyPenalty" when float.TryParse(text, NumberStyles.Float, invariant, out var fp):
                options.FrequencyPenalty = fp;
                break;
            case "presence_penalty" or "presencePenalty" when float.TryParse(text, NumberStyles.Float, invariant, out var pp):
                options.PresencePenalty = pp;
                break;
            case "seed" when long.TryParse(text, NumberStyles.Integer, invariant, out var seed):
                options.Seed = seed;
                break;
            default:
                (options.AdditionalProperties ??= [])[name] = text;
                break;
        }
    }
}
