using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;

using Conciergus.Core.Model;

namespace Conciergus.Core.Errors;

/// <summary>
/// Evaluates the <see cref="ErrorRules"/> table. Evidence is consulted in a fixed order and the first match
/// wins: provider code > exception type > OpenTelemetry error.type > HTTP status > message keywords > unknown.
/// </summary>
/// <remarks>
/// Runs only for failed operations, so clarity wins over speed here; lookups are still dictionary based.
/// The provider name is accepted but not needed today: provider codes in the table do not collide.
/// </remarks>
public sealed partial class ErrorCategorizer : IErrorCategorizer
{
    private const int MaxChainLength = 16;

    private static readonly Dictionary<string, ErrorRule[]> CodeRules = Group(ErrorEvidence.Code, NormalizeCode, StringComparer.Ordinal);
    private static readonly Dictionary<string, ErrorRule[]> TypeRules = Group(ErrorEvidence.TypeName, static m => m, StringComparer.OrdinalIgnoreCase);
    private static readonly ErrorRule[] TypeSuffixRules = [.. ErrorRules.All.Where(r => r.On == ErrorEvidence.TypeName && r.Match.StartsWith('*'))];
    private static readonly Dictionary<string, ErrorRule[]> StatusRules = Group(ErrorEvidence.HttpStatus, static m => m, StringComparer.Ordinal);
    private static readonly ErrorRule[] MessageRules = [.. ErrorRules.All.Where(r => r.On == ErrorEvidence.Message)];

    /// <inheritdoc />
    public ErrorCategory Categorize(ErrorDetails? details, Exception? exception = null, string? provider = null) =>
        SafeCategorize(details, exception, finishReasons: null);

    /// <summary>Categorises a recorded operation: <see cref="ErrorCategory.None"/> when it succeeded; finish reasons
    /// (SAFETY, content_filter, ...) count as provider codes.</summary>
    public ErrorCategory Categorize(AiOperation operation)
    {
        if (operation is null || operation.Status == AiOperationStatus.Ok)
        {
            return ErrorCategory.None;
        }

        return SafeCategorize(operation.Error, exception: null, operation.FinishReasons);
    }

    private static ErrorCategory SafeCategorize(ErrorDetails? details, Exception? exception, IReadOnlyList<string>? finishReasons)
    {
        try
        {
            return Evaluate(details, exception, finishReasons);
        }
#pragma warning disable CA1031 // The contract is "never throws": odd exceptions (reflection, regex timeouts) fall back to unknown.
        catch (Exception)
#pragma warning restore CA1031
        {
            return ErrorCategory.Unknown;
        }
    }

    private static ErrorCategory Evaluate(ErrorDetails? details, Exception? exception, IReadOnlyList<string>? finishReasons)
    {
        var chain = Flatten(exception);
        var messages = new List<string>(chain.Count + 1);
        if (!string.IsNullOrWhiteSpace(details?.Message))
        {
            messages.Add(details.Message);
        }

        foreach (var e in chain)
        {
            if (!string.IsNullOrEmpty(e.Message))
            {
                messages.Add(e.Message);
            }
        }

        // 1. Provider codes: the explicit code, codes carried by exceptions, the provider error type, finish reasons.
        if (FromCode(details?.Code, messages) is { } byCode)
        {
            return byCode;
        }

        foreach (var e in chain)
        {
            foreach (var code in CarriedCodes(e))
            {
                if (FromCode(code, messages) is { } byCarriedCode)
                {
                    return byCarriedCode;
                }
            }
        }

        if (FromCode(details?.Type, messages) is { } byTypeCode)
        {
            return byTypeCode;
        }

        if (finishReasons is not null)
        {
            foreach (var reason in finishReasons)
            {
                if (FromCode(reason, messages) is { } byFinishReason)
                {
                    return byFinishReason;
                }
            }
        }

        // 2. Exception types, outermost first, each type before its base types.
        foreach (var e in chain)
        {
            if (FromException(e, messages) is { } byException)
            {
                return byException;
            }
        }

        // 3. OpenTelemetry error.type (an exception name, "timeout", a status code, or "_OTHER").
        if (FromErrorType(details?.Type, messages) is { } byErrorType)
        {
            return byErrorType;
        }

        // 4. HTTP status.
        if (details?.HttpStatus is { } status && FromStatus(status, messages) is { } byStatus)
        {
            return byStatus;
        }

        // 5. Message keywords.
        foreach (var rule in MessageRules)
        {
            if (AnyMessageContains(messages, rule.When))
            {
                return rule.Category ?? ErrorCategory.Unknown;
            }
        }

        return ErrorCategory.Unknown;
    }

    private static ErrorCategory? FromCode(string? code, List<string> messages)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }

        var key = NormalizeCode(code);
        if (key.Length is >= 3 and <= 3 && int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            return FromStatus(status, messages);
        }

        return CodeRules.TryGetValue(key, out var rules) ? FirstMatch(rules, messages, exception: null) : null;
    }

    private static ErrorCategory? FromException(Exception exception, List<string> messages)
    {
        for (var type = exception.GetType(); type is not null && type != typeof(Exception) && type != typeof(object); type = type.BaseType)
        {
            if (type.FullName is { } fullName && TypeRules.TryGetValue(fullName, out var byFullName)
                && FirstMatch(byFullName, messages, exception) is { } fullNameCategory)
            {
                return fullNameCategory;
            }

            if (TypeRules.TryGetValue(type.Name, out var byName) && FirstMatch(byName, messages, exception) is { } nameCategory)
            {
                return nameCategory;
            }

            if (FirstSuffixMatch(type.Name, messages, exception) is { } suffixCategory)
            {
                return suffixCategory;
            }
        }

        return null;
    }

    private static ErrorCategory? FromErrorType(string? errorType, List<string> messages)
    {
        if (string.IsNullOrWhiteSpace(errorType))
        {
            return null;
        }

        var value = errorType.Trim();
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            return FromStatus(status, messages);
        }

        if (TypeRules.TryGetValue(value, out var byFullName) && FirstMatch(byFullName, messages, exception: null) is { } fullNameCategory)
        {
            return fullNameCategory;
        }

        var simpleName = value[(value.LastIndexOf('.') + 1)..];
        if (TypeRules.TryGetValue(simpleName, out var byName) && FirstMatch(byName, messages, exception: null) is { } nameCategory)
        {
            return nameCategory;
        }

        return FirstSuffixMatch(simpleName, messages, exception: null);
    }

    private static ErrorCategory? FromStatus(int status, List<string> messages)
    {
        if (status is < 400 or > 599)
        {
            return null;
        }

        if (StatusRules.TryGetValue(status.ToString(CultureInfo.InvariantCulture), out var exact)
            && FirstMatch(exact, messages, exception: null) is { } category)
        {
            return category;
        }

        return StatusRules.TryGetValue(status < 500 ? "4xx" : "5xx", out var byClass) ? FirstMatch(byClass, messages, exception: null) : null;
    }

    private static ErrorCategory? FirstSuffixMatch(string typeName, List<string> messages, Exception? exception)
    {
        foreach (var rule in TypeSuffixRules)
        {
            if (typeName.EndsWith(rule.Match.AsSpan(1), StringComparison.OrdinalIgnoreCase)
                && Evaluate(rule, messages, exception) is { } category)
            {
                return category;
            }
        }

        return null;
    }

    private static ErrorCategory? FirstMatch(ErrorRule[] rules, List<string> messages, Exception? exception)
    {
        foreach (var rule in rules)
        {
            if (Evaluate(rule, messages, exception) is { } category)
            {
                return category;
            }
        }

        return null;
    }

    /// <summary>The row's category when its conditions hold, else null.</summary>
    private static ErrorCategory? Evaluate(ErrorRule rule, List<string> messages, Exception? exception)
    {
        if (rule.When is not null && !AnyMessageContains(messages, rule.When))
        {
            return null;
        }

        switch (rule.Condition)
        {
            case RuleCondition.WrapsTimeout:
                return exception is not null && WrapsTimeout(exception) ? rule.Category : null;
            case RuleCondition.CarriesStatus:
                return exception is not null && CarriedStatus(exception) is { } status ? FromStatus(status, messages) : null;
            default:
                return rule.Category;
        }
    }

    private static bool AnyMessageContains(List<string> messages, string[]? words)
    {
        if (words is null)
        {
            return false;
        }

        foreach (var message in messages)
        {
            foreach (var word in words)
            {
                if (message.Contains(word, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool WrapsTimeout(Exception exception)
    {
        // HttpClient's own timeout surfaces as TaskCanceledException wrapping a TimeoutException (.NET 5+).
        if (exception.Message.Contains("HttpClient.Timeout", StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var inner in Flatten(exception))
        {
            if (inner is TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The HTTP status an exception carries, when it carries one (HttpRequestException, or by reflection on
    /// ClientResultException.Status, RequestFailedException.Status, GoogleApiException.HttpStatusCode) -- no package references.</summary>
    private static int? CarriedStatus(Exception exception)
    {
        if (exception is HttpRequestException http)
        {
            return http.StatusCode is { } code ? (int)code : null;
        }

        var type = exception.GetType();
        foreach (var name in (ReadOnlySpan<string>)["Status", "StatusCode", "HttpStatusCode"])
        {
            var value = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance)?.GetValue(exception);
            int? status = value switch
            {
                int i => i,
                HttpStatusCode s => (int)s,
                _ => null,
            };
            if (status is > 0)
            {
                return status;
            }
        }

        return null;
    }

    /// <summary>Provider codes an exception carries: Azure's ErrorCode, gRPC's StatusCode name, and the
    /// "(type: code)" the OpenAI .NET SDK writes into ClientResultException messages.</summary>
    private static IEnumerable<string> CarriedCodes(Exception exception)
    {
        var type = exception.GetType();
        if (type.Name == "RequestFailedException"
            && type.GetProperty("ErrorCode", BindingFlags.Public | BindingFlags.Instance)?.GetValue(exception) is string { Length: > 0 } errorCode)
        {
            yield return errorCode;
        }

        if (type.Name == "RpcException"
            && type.GetProperty("StatusCode", BindingFlags.Public | BindingFlags.Instance)?.GetValue(exception) is Enum grpcCode)
        {
            yield return grpcCode.ToString();
        }

        if (type.Name == "ClientResultException" && ClientResultMessage().Match(exception.Message) is { Success: true } match)
        {
            if (match.Groups["code"].Success)
            {
                yield return match.Groups["code"].Value;
            }

            yield return match.Groups["type"].Value;
        }
    }

    private static List<Exception> Flatten(Exception? exception)
    {
        var result = new List<Exception>();
        if (exception is null)
        {
            return result;
        }

        var queue = new Queue<Exception>();
        queue.Enqueue(exception);
        while (queue.Count > 0 && result.Count < MaxChainLength)
        {
            var current = queue.Dequeue();
            if (result.Contains(current))
            {
                continue;
            }

            result.Add(current);
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    queue.Enqueue(inner);
                }
            }
            else if (current.InnerException is { } inner)
            {
                queue.Enqueue(inner);
            }
        }

        return result;
    }

    /// <summary>Lower case without '_', '-', '.' or spaces: RESOURCE_EXHAUSTED, ResourceExhausted and resource-exhausted are one key.</summary>
    internal static string NormalizeCode(string code)
    {
        Span<char> buffer = code.Length <= 128 ? stackalloc char[code.Length] : new char[code.Length];
        var length = 0;
        foreach (var c in code)
        {
            if (c is not ('_' or '-' or '.' or ' '))
            {
                buffer[length++] = char.ToLowerInvariant(c);
            }
        }

        return new string(buffer[..length]);
    }

    private static Dictionary<string, ErrorRule[]> Group(ErrorEvidence evidence, Func<string, string> key, StringComparer comparer) =>
        ErrorRules.All
            .Where(r => r.On == evidence && !r.Match.StartsWith('*'))
            .GroupBy(r => key(r.Match), comparer)
            .ToDictionary(g => g.Key, g => g.ToArray(), comparer);

    // OpenAI .NET SDK: "HTTP 429 (insufficient_quota: insufficient_quota)" or "HTTP 400 (invalid_request_error: context_length_exceeded)".
    [GeneratedRegex(@"^HTTP \d{3} \((?<type>[^:)\s]+)(?::\s*(?<code>[^)\s]+))?\)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex ClientResultMessage();
}
