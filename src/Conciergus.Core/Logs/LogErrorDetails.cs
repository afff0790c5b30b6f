using System.Globalization;
using System.Text.RegularExpressions;
using Conciergus.Core.Model;

namespace Conciergus.Core.Logs;

/// <summary>What an error-level log record tells about a failure, as the error categoriser takes it.</summary>
public static partial class LogErrorDetails
{
    /// <summary>
    /// exception.type and exception.message, plus the HTTP status that SDK exceptions write into their message
    /// (System.ClientModel "Status: 429 (Too Many Requests)", OpenAI / Azure "HTTP 429 (...)"), which a log record
    /// carries only as text; null when the record has no exception.
    /// </summary>
    public static ErrorDetails? From(LogRecordEntry record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.ExceptionType is null && record.ExceptionMessage is null)
        {
            return null;
        }

        return new ErrorDetails { Type = record.ExceptionType, HttpStatus = StatusIn(record.ExceptionMessage), Code = CodeIn(record.ExceptionMessage), Message = record.ExceptionMessage };
    }

    /// <summary>The provider error code the OpenAI .NET SDK writes into its messages ("HTTP 429 (requests: rate_limit_exceeded)"), or null.</summary>
    public static string? CodeIn(string? message) =>
        message is not null && OpenAiCodeInMessage().Match(message) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>The HTTP error status an SDK exception message names ("Status: 429 (...)", "HTTP 429 (...)"), or null.</summary>
    public static int? StatusIn(string? message) =>
        message is not null && StatusInMessage().Match(message) is { Success: true } m
        && int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 400 and <= 599
            ? code
            : null;

    [GeneratedRegex(@"\bHTTP\s+\d{3}\s+\([^:()]*:\s*([A-Za-z0-9_.\-]+)\)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex OpenAiCodeInMessage();

    [GeneratedRegex(@"(?:\bStatus:\s*|\bHTTP\s+)(\d{3})\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex StatusInMessage();
}
