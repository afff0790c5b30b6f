using Conciergus.Core.Refusals;
using Microsoft.AspNetCore.Mvc;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// The one HTTP mapping of <see cref="RefusalException"/>: endpoints do not catch it. Invalid is 400 (a validation
/// problem with <c>errors</c> by field when the refusal names fields), NotFound 404, Conflict 409, Unavailable 503;
/// the detail is the refusal's message, which an operator can act on.
/// </summary>
public sealed class RefusalExceptionHandler(IProblemDetailsService problemDetails) : ProblemExceptionHandler<RefusalException>(problemDetails)
{
    /// <inheritdoc />
    protected override ProblemDetails ProblemOf(RefusalException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var (status, title) = exception.Kind switch
        {
            RefusalKind.NotFound => (StatusCodes.Status404NotFound, "Not found"),
            RefusalKind.Conflict => (StatusCodes.Status409Conflict, "Not allowed in this state"),
            RefusalKind.Unavailable => (StatusCodes.Status503ServiceUnavailable, "Unavailable"),
            _ => (StatusCodes.Status400BadRequest, "Invalid request"),
        };
        var problem = exception.Errors.Count > 0
            ? new HttpValidationProblemDetails(exception.Errors.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal))
            : new ProblemDetails();
        problem.Status = status;
        problem.Title = title;
        problem.Detail = exception.Message;
        return problem;
    }
}
