using Microsoft.AspNetCore.Diagnostics;

namespace Conciergus.Dashboard.Security;

/// <summary>
/// A request the server refused while reading it (<see cref="BadHttpRequestException"/>: a body arriving too slowly
/// gets 408, one over Kestrel's cap 413, a malformed one 400) is the client's fault, not ours: it is answered with
/// that status as problem details and logged as a one-line warning, never as a 500 with an error-level stack trace.
/// </summary>
public sealed partial class BadRequestExceptionHandler(IProblemDetailsService problemDetails, ILogger<BadRequestExceptionHandler> logger) : IExceptionHandler
{
    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var status = bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : StatusCodes.Status400BadRequest;
        LogRefused(logger, httpContext.Request.Method, httpContext.Request.Path.Value ?? "", status, bad.Message);
        if (httpContext.Response.HasStarted)
        {
            return true;
        }

        httpContext.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = status,
                Title = status == StatusCodes.Status408RequestTimeout ? "Request body too slow" : "Bad request",
                Detail = status == StatusCodes.Status408RequestTimeout
                    ? "The request body arrived too slowly and was abandoned. Send it again at a normal pace."
                    : bad.Message,
            },
        }).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Method} {Path} with {Status} while reading the request: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string path, int status, string reason);
}
