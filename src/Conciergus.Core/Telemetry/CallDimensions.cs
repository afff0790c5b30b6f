using System.Globalization;
using System.Reflection;

using Microsoft.Extensions.AI;

using Conciergus.Core.Model;

namespace Conciergus.Core.Telemetry;

/// <summary>The dimensions of one call after every source has been consulted.</summary>
internal sealed record CallDimensions
{
    private static readonly Lazy<string> EntryAssemblyName =
        new(() => Assembly.GetEntryAssembly()?.GetName().Name ?? "unknown");

    public required string Application { get; init; }

    public string? UserId { get; init; }

    public string? SessionId { get; init; }

    public string? ConversationId { get; init; }

    public string? FunctionId { get; init; }

    public string? Environment { get; init; }

    /// <summary>
    /// Precedence, highest first: the call's AdditionalProperties (conciergus.* keys, then aliases),
    /// then the request's own conversation id, then the ambient <see cref="ConciergusContext"/>, then
    /// the pipeline's options, then the entry assembly (application only).
    /// </summary>
    public static CallDimensions Resolve(
        AdditionalPropertiesDictionary? properties,
        string? requestConversationId,
        ConciergusMiddlewareOptions options)
    {
        var scope = ConciergusContext.Current;
        return new CallDimensions
        {
            Application = Read(properties, ConciergusPropertyNames.Application)
                ?? scope?.Application
                ?? options.Application
                ?? EntryAssemblyName.Value,
            UserId = Read(properties, ConciergusPropertyNames.UserId, ConciergusPropertyNames.UserIdAliases) ?? scope?.UserId,
            SessionId = Read(properties, ConciergusPropertyNames.SessionId, ConciergusPropertyNames.SessionIdAliases) ?? scope?.SessionId,
            ConversationId = Read(properties, ConciergusPropertyNames.ConversationId)
                ?? NullIfEmpty(requestConversationId)
                ?? Read(properties, aliases: ConciergusPropertyNames.ConversationIdAliases)
                ?? scope?.ConversationId,
            FunctionId = Read(properties, ConciergusPropertyNames.FunctionId) ?? scope?.FunctionId,
            Environment = Read(properties, ConciergusPropertyNames.Environment) ?? scope?.Environment ?? options.Environment,
        };
    }

    private static string? Read(AdditionalPropertiesDictionary? properties, string? key = null, IReadOnlyList<string>? aliases = null)
    {
        if (properties is null || properties.Count == 0)
        {
            return null;
        }

        if (key is not null && properties.TryGetValue(key, out var value) && AsString(value) is { } text)
        {
            return text;
        }

        if (aliases is not null)
        {
            foreach (var alias in aliases)
            {
                if (properties.TryGetValue(alias, out value) && AsString(value) is { } aliasText)
                {
                    return aliasText;
                }
            }
        }

        return null;
    }

    private static string? AsString(object? value) => value switch
    {
        null => null,
        string s => NullIfEmpty(s),
        IFormattable f => NullIfEmpty(f.ToString(null, CultureInfo.InvariantCulture)),
        _ => NullIfEmpty(value.ToString()),
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
