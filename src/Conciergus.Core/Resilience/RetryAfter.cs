using System.Collections;
using System.Globalization;
using System.Reflection;

namespace Conciergus.Core.Resilience;

/// <summary>
/// Finds a provider's Retry-After on an exception: <c>Exception.Data</c> ("Retry-After", "retry-after-ms"),
/// or the raw response headers of SDK exceptions that expose <c>GetRawResponse()</c> (System.ClientModel's
/// ClientResultException used by the OpenAI SDK, Azure's RequestFailedException). Inner exceptions too.
/// </summary>
public static class RetryAfter
{
    /// <summary>Key under which callers may put a Retry-After (TimeSpan, seconds, or header text) in <c>Exception.Data</c>.</summary>
    public const string DataKey = "Retry-After";

    /// <summary>Millisecond variant used by OpenAI and Azure OpenAI.</summary>
    public const string MillisecondsKey = "retry-after-ms";

    /// <summary>The delay the provider asked for, or null.</summary>
    public static TimeSpan? From(Exception? exception, DateTimeOffset now)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (FromData(e.Data, now) is { } fromData)
            {
                return fromData;
            }

            if (FromRawResponse(e, now) is { } fromHeaders)
            {
                return fromHeaders;
            }
        }

        return null;
    }

    /// <summary>Parses a Retry-After header value: delta seconds or an HTTP date (relative to <paramref name="now"/>).</summary>
    public static TimeSpan? Parse(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds >= 0 ? TimeSpan.FromSeconds(seconds) : null;
        }

        return DateTimeOffset.TryParseExact(value.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date > now ? date - now : TimeSpan.Zero
            : null;
    }

    private static TimeSpan? FromData(IDictionary data, DateTimeOffset now)
    {
        if (data.Count == 0)
        {
            return null;
        }

        foreach (DictionaryEntry entry in data)
        {
            if (entry.Key is not string key)
            {
                continue;
            }

            if (key.Equals(MillisecondsKey, StringComparison.OrdinalIgnoreCase) && Convert.ToString(entry.Value, CultureInfo.InvariantCulture) is { } ms
                && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
            {
                return TimeSpan.FromMilliseconds(millis);
            }

            if (key.Equals(DataKey, StringComparison.OrdinalIgnoreCase))
            {
                return entry.Value switch
                {
                    TimeSpan span => span,
                    int s => TimeSpan.FromSeconds(s),
                    double d => TimeSpan.FromSeconds(d),
                    DateTimeOffset at => at > now ? at - now : TimeSpan.Zero,
                    _ => Parse(Convert.ToString(entry.Value, CultureInfo.InvariantCulture), now),
                };
            }
        }

        return null;
    }

    // Reflection keeps Core free of System.ClientModel and Azure.Core; both expose GetRawResponse() whose
    // Headers have TryGetValue(string, out string). Runs only on the failure path.
    private static TimeSpan? FromRawResponse(Exception exception, DateTimeOffset now)
    {
        var getRaw = exception.GetType().GetMethod("GetRawResponse", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
        if (getRaw?.Invoke(exception, null) is not { } response)
        {
            return null;
        }

        var headers = response.GetType().GetProperty("Headers", BindingFlags.Public | BindingFlags.Instance)?.GetValue(response);
        var tryGet = headers?.GetType().GetMethod("TryGetValue", [typeof(string), typeof(string).MakeByRefType()]);
        if (tryGet is null)
        {
            return null;
        }

        object?[] args = [MillisecondsKey, null];
        if (tryGet.Invoke(headers, args) is true && double.TryParse(args[1] as string, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        args = [DataKey, null];
        return tryGet.Invoke(headers, args) is true ? Parse(args[1] as string, now) : null;
    }
}
