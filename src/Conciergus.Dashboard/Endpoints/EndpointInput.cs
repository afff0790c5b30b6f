using System.Globalization;
using System.Text.Json;
using Conciergus.Core.Refusals;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// The one way endpoints read their input: a JSON body (a bad one throws <see cref="RefusalException"/>, answered by
/// <see cref="RefusalExceptionHandler"/>), an ISO 8601 time parameter, and the 400 for a bad query parameter.
/// </summary>
public static class EndpointInput
{
    /// <summary>Default cap of a JSON request body.</summary>
    public const int MaxJsonBytes = 256 * 1024;

    /// <summary>
    /// Reads a JSON body of at most <paramref name="maxBytes"/> with the app's JSON options. Too large is a 413
    /// (<see cref="BadHttpRequestException"/>); malformed, null or empty is an Invalid refusal on field "body"; an empty
    /// body is null when <paramref name="allowEmpty"/>.
    /// </summary>
    public static async Task<T?> ReadJsonAsync<T>(HttpContext http, bool allowEmpty = false, long maxBytes = MaxJsonBytes)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(http);
        var body = await RequestBody.ReadLimitedAsync(http.Request, maxBytes, http.RequestAborted).ConfigureAwait(false)
            ?? throw new BadHttpRequestException($"Send at most {maxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
        if (allowEmpty && body.Length == 0)
        {
            return null;
        }

        var options = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            return (body.Length == 0 ? null : JsonSerializer.Deserialize<T>(body, options))
                ?? throw RefusalException.Invalid("body", "Send a JSON object.");
        }
        catch (JsonException e)
        {
            throw RefusalException.Invalid("body", $"The body is not valid JSON for this request: {e.Message.Split(" Path:")[0]} (at {e.Path ?? "$"}).");
        }
    }

    /// <summary>Parses an optional ISO 8601 date or time (UTC unless it says otherwise); empty is null and valid.</summary>
    public static bool TryParseTime(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }

    /// <summary>400 for a bad query parameter: title "Invalid parameter '&lt;name&gt;'", the message as detail.</summary>
    public static ProblemHttpResult Problem400(string parameter, string message) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: $"Invalid parameter '{parameter}'",
        detail: message);
}
