using System.Globalization;

using Microsoft.Extensions.AI;

namespace Conciergus.Core.Resilience;

/// <summary>
/// How the resilience middleware tells <c>UseConciergus()</c> (inside it) which attempt a call is: keys in
/// <c>ChatOptions.AdditionalProperties</c> of the attempt's own copy of the options.
/// </summary>
public static class ResilienceAttempt
{
    /// <summary>Attempts made before this one in the same logical call (retries and fallbacks).</summary>
    public const string RetryCountKey = "conciergus.retry_count";

    /// <summary>"true" when this attempt goes to a fallback model.</summary>
    public const string FallbackUsedKey = "conciergus.fallback_used";

    /// <summary>The model the caller first asked for.</summary>
    public const string OriginalModelKey = "conciergus.original_model";

    /// <summary>Reads the attempt markers (0, false, null when absent).</summary>
    public static (int RetryCount, bool FallbackUsed, string? OriginalModel) Read(AdditionalPropertiesDictionary? properties)
    {
        if (properties is null || properties.Count == 0 || !properties.TryGetValue(OriginalModelKey, out var original))
        {
            return (0, false, null);
        }

        var retries = properties.TryGetValue(RetryCountKey, out var r) ? Convert.ToInt32(r, CultureInfo.InvariantCulture) : 0;
        var fallback = properties.TryGetValue(FallbackUsedKey, out var f) && f is true or "true";
        return (retries, fallback, original as string);
    }

    internal static ChatOptions Stamp(ChatOptions? options, string model, int retryCount, bool fallbackUsed, string originalModel)
    {
        var copy = options?.Clone() ?? new ChatOptions();

        // A first-choice attempt without a model id keeps it that way (the inner client's default model).
        if (fallbackUsed || copy.ModelId is not null)
        {
            copy.ModelId = model;
        }

        // Our own dictionary: the caller's options (and their properties) stay untouched across attempts.
        copy.AdditionalProperties = copy.AdditionalProperties is { } properties ? new AdditionalPropertiesDictionary(properties) : [];
        copy.AdditionalProperties[RetryCountKey] = retryCount;
        copy.AdditionalProperties[FallbackUsedKey] = fallbackUsed;
        copy.AdditionalProperties[OriginalModelKey] = originalModel;
        return copy;
    }
}
