using Conciergus.Core.Refusals;
using Microsoft.AspNetCore.Diagnostics;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// The one HTTP mapping of <see cref="RefusalException"/>: endpoints do not catch it. Invalid is 400 (a validation
/// problem with <c>errors</c> by field when the refusal names fields), NotFound 404, Conflict 409, Unavailable 503;
/// the detail is the refusal's message, which an operator can act on.
/// </summary>
public sealed class RefusalExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is not RefusalException refusal || httpContext.Response.HasStarted)
        {
            return false;
        }

        var (status, title) = refusal.Kind switch
        {
            RefusalKind.NotFound => (StatusCodes.Status404NotFound, "Not found"),
            RefusalKind.Conflict => (StatusCodes.Status409Conflict, "Not allowed in this state"),
            RefusalKind.Unavailable => (StatusCodes.Status503ServiceUnavailable, "Unavailable"),
            _ => (StatusCodes.Status400BadRequest, "Invalid request"),
        };
        var problem = refusal.Errors.Count > 0
            ? new HttpValidationProblemDetails(refusal.Errors.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal))
            : new Microsoft.AspNetCore.Mvc.ProblemDetails();
        problem.Status = status;
        problem.Title = title;
        problem.Detail = refusal.Message;
        httpContext.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = problem,
        }).ConfigureAwait(false);
    }
}
