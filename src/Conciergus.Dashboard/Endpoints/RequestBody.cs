using System.Text.Json;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>Reads a request body with a size cap.</summary>
public static class RequestBody
{
    /// <summary>The whole body, or null when it is larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]?> ReadLimitedAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream(request.ContentLength is > 0 and var length ? (int)length : 16 * 1024);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Reads a JSON body of at most <paramref name="maxBytes"/> into <typeparamref name="T"/>, or the problem to answer
    /// with: 413 when too large, 400 with the parser's position when malformed, 400 "send a JSON object" for null / empty
    /// (an empty body gives (null, null) when <paramref name="allowEmpty"/>).
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> ReadJsonAsync<T>(HttpContext http, JsonSerializerOptions options, long maxBytes, bool allowEmpty = false)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(http);
        var body = await ReadLimitedAsync(http.Request, maxBytes, http.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large", detail: $"Send at most {maxBytes} bytes."));
        }

        if (allowEmpty && body.Length == 0)
        {
            return (null, null);
        }

        try
        {
            var value = body.Length == 0 ? null : JsonSerializer.Deserialize<T>(body, options);
            return value is null
                ? (null, Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send a JSON object."] }, detail: "Send a JSON object.", title: "Invalid request"))
                : (value, null);
        }
        catch (JsonException e)
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed JSON",
                detail: $"The body is not valid JSON for this request: {e.Message.Split(" Path:")[0]} (at {e.Path ?? "$"})."));
        }
    }

    /// <summary>Runs an endpoint body and answers a <typeparamref name="TException"/> (a feature's own rejection) with its problem details.</summary>
    public static IResult Run<TException>(Func<IResult> action, Func<TException, IResult> problem)
        where TException : Exception
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(problem);
        try
        {
            return action();
        }
        catch (TException e)
        {
            return problem(e);
        }
    }

    /// <summary>The async form of <see cref="Run{TException}(Func{IResult}, Func{TException, IResult})"/>.</summary>
    public static async Task<IResult> RunAsync<TException>(Func<Task<IResult>> action, Func<TException, IResult> problem)
        where TException : Exception
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(problem);
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (TException e)
        {
            return problem(e);
        }
    }

    /// <summary>413 problem details naming the limit.</summary>
    public static IResult TooLarge(long maxBytes) => Results.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Request body too large",
        detail: $"The body exceeds {maxBytes} bytes. Send smaller batches.");
}
