using System.Collections.Concurrent;
using System.Net;
using System.Reflection;

using Conciergus.Core.Model;

namespace Conciergus.Core.Telemetry;

/// <summary>Turns an exception that ended a call into <see cref="ErrorDetails"/>.</summary>
internal static class ExceptionDescriber
{
    private const int MaxMessageLength = 512;
    private const int MaxDepth = 6;

    // Provider SDK exceptions we cannot reference from Core (Core takes no SDK dependency). Each carries the
    // HTTP status in a property: System.ClientModel.ClientResultException (OpenAI, Azure OpenAI) has
    // int Status, Azure.RequestFailedException has int Status and string ErrorCode. Listed by full name so
    // we only ever read properties of types we know, once per type (cached), and only on the failure path.
    private static readonly Dictionary<string, (string Status, string? Code)> KnownTypes = new(StringComparer.Ordinal)
    {
        ["System.ClientModel.ClientResultException"] = ("Status", null),
        ["Azure.RequestFailedException"] = ("Status", "ErrorCode"),
    };

    private static readonly ConcurrentDictionary<Type, Accessors?> AccessorCache = new();

    public static ErrorDetails Describe(Exception exception)
    {
        int? status = null;
        string? code = null;
        var current = exception;
        for (var depth = 0; current is not null && depth < MaxDepth && status is null; depth++, current = current.InnerException)
        {
            if (current is HttpRequestException { StatusCode: { } httpStatus })
            {
                status = (int)httpStatus;
                break;
            }

            if (AccessorCache.GetOrAdd(current.GetType(), CreateAccessors) is { } accessors)
            {
                status = accessors.ReadStatus(current);
                code ??= accessors.ReadCode(current);
            }
        }

        var message = exception.Message;
        return new ErrorDetails
        {
            Type = exception.GetType().FullName,
            HttpStatus = status,
            Code = code,
            Message = message.Length <= MaxMessageLength ? message : message[..MaxMessageLength],
        };
    }

    private static Accessors? CreateAccessors(Type type)
    {
        for (var t = type; t is not null && t != typeof(Exception); t = t.BaseType)
        {
            if (t.FullName is { } name && KnownTypes.TryGetValue(name, out var known))
            {
                var status = t.GetProperty(known.Status, BindingFlags.Public | BindingFlags.Instance);
                var code = known.Code is null ? null : t.GetProperty(known.Code, BindingFlags.Public | BindingFlags.Instance);
                return new Accessors(status, code);
            }
        }

        return null;
    }

    private sealed record Accessors(PropertyInfo? Status, PropertyInfo? Code)
    {
        public int? ReadStatus(Exception exception) => Status?.GetValue(exception) switch
        {
            int value and > 0 => value,
            HttpStatusCode value => (int)value,
            _ => null,
        };

        public string? ReadCode(Exception exception) => Code?.GetValue(exception) is string { Length: > 0 } code ? code : null;
    }
}
