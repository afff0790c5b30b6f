using System.Collections.ObjectModel;
using System.Diagnostics;

using Conciergus.Core.Model;

namespace Conciergus.Core.Telemetry;

/// <summary>
/// The name and start tags of the middleware's span for one operation, provider and model, built once and kept for the
/// next call (a pipeline calls one model most of the time).
/// </summary>
/// <remarks>
/// The start tags go to <see cref="ActivitySource.StartActivity(string, ActivityKind, ActivityContext, IEnumerable{KeyValuePair{string, object}}, IEnumerable{ActivityLink}, DateTimeOffset)"/>
/// as one list: samplers see them (the GenAI conventions list operation, provider and request model among the attributes
/// to give at span creation, for sampling), and the new span copies them without taking its tag lock once per tag.
/// </remarks>
internal sealed class SpanStart
{
    // The last start built, swapped whole: a reader sees one complete object or another, never a mix.
    private static SpanStart? s_last;

    private readonly string _operation;
    private readonly string _provider;
    private readonly string _model;
    private readonly KeyValuePair<string, object?>[] _tags;

    private SpanStart(string operation, string provider, string model)
    {
        _operation = operation;
        _provider = provider;
        _model = model;
        Name = $"{operation} {model}";
        _tags =
        [
            new(GenAiAttributes.OperationName, operation),
            new(GenAiAttributes.ProviderName, provider),
            new(GenAiAttributes.RequestModel, model),
        ];

        // Shared by every span of this model: listeners get a read-only view, so none can change the next span's tags.
        Tags = new ReadOnlyCollection<KeyValuePair<string, object?>>(_tags);
    }

    /// <summary>The span's name, "{operation} {model}" as the GenAI conventions name client spans.</summary>
    public string Name { get; }

    /// <summary>Operation, provider and request model: the start tags of a call that names nothing else.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Tags { get; }

    /// <summary>Starts the call's span (null when no listener samples it), with every start tag given at creation.</summary>
    public static Activity? Begin(ActivitySource source, in CallDescription call)
    {
        var start = For(call);
        return source.StartActivity(start.Name, ActivityKind.Client, parentContext: default, start.TagsOf(call));
    }

    private static SpanStart For(in CallDescription call)
    {
        var last = Volatile.Read(ref s_last);
        if (last is not null
            && string.Equals(last._model, call.RequestModel, StringComparison.Ordinal)
            && string.Equals(last._provider, call.Provider, StringComparison.Ordinal)
            && string.Equals(last._operation, call.Operation, StringComparison.Ordinal))
        {
            return last;
        }

        var start = new SpanStart(call.Operation, call.Provider, call.RequestModel);
        Volatile.Write(ref s_last, start);
        return start;
    }

    /// <summary>The shared three tags, or a list of this call's own when it names a conversation, function, experiment or attempt.</summary>
    private IEnumerable<KeyValuePair<string, object?>> TagsOf(in CallDescription call)
    {
        if (call.Dimensions.ConversationId is null && call.Dimensions.FunctionId is null && call.ExperimentKey is null
            && call.ExperimentVariant is null && call.OriginalModel is null)
        {
            return Tags;
        }

        // Same keys, order and value types as the span had when each was set one by one; nulls are left out.
        var tags = new List<KeyValuePair<string, object?>>(_tags.Length + 7);
        tags.AddRange(_tags);
        AddIfAny(tags, GenAiAttributes.ConversationId, call.Dimensions.ConversationId);
        AddIfAny(tags, GenAiAttributes.FunctionId, call.Dimensions.FunctionId);
        AddIfAny(tags, GenAiAttributes.ExperimentKey, call.ExperimentKey);
        AddIfAny(tags, GenAiAttributes.ExperimentVariant, call.ExperimentVariant);
        if (call.OriginalModel is not null)
        {
            tags.Add(new(ConciergusPropertyNames.RetryCount, call.RetryCount));
            tags.Add(new(ConciergusPropertyNames.FallbackUsed, call.FallbackUsed));
            tags.Add(new(ConciergusPropertyNames.OriginalModel, call.OriginalModel));
        }

        return tags;
    }

    private static void AddIfAny(List<KeyValuePair<string, object?>> tags, string key, string? value)
    {
        if (value is not null)
        {
            tags.Add(new(key, value));
        }
    }
}
