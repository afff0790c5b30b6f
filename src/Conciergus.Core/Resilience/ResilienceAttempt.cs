using Conciergus.Core.Model;

using Microsoft.Extensions.AI;

namespace Conciergus.Core.Resilience;

/// <summary>
/// How the resilience middleware tells <c>UseConciergus()</c> (inside it) which attempt a call is: it stamps the
/// <see cref="ConciergusPropertyNames"/> attempt keys on the attempt's own copy of the options.
/// </summary>
internal static class ResilienceAttempt
{
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
        copy.AdditionalProperties[ConciergusPropertyNames.RetryCount] = retryCount;
        copy.AdditionalProperties[ConciergusPropertyNames.FallbackUsed] = fallbackUsed;
        copy.AdditionalProperties[ConciergusPropertyNames.OriginalModel] = originalModel;
        return copy;
    }
}
