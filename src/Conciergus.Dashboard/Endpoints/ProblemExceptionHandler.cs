using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// An API exception handler for one exception type: answers it with the problem details <see cref="ProblemOf"/> gives
/// (its status becomes the response's). Other exceptions, or a response already started, are left to the next handler.
/// </summary>
/// <typeparam name="TException">The exception this handler answers.</typeparam>
public abstract class ProblemExceptionHandler<TException>(IProblemDetailsService problemDetails) : IExceptionHandler
    where TException : Exception
{
    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is not TException handled || httpContext.Response.HasStarted)
        {
            return false;
        }

        var problem = ProblemOf(handled);
        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem })
            .ConfigureAwait(false);
    }

    /// <summary>The answer to <paramref name="exception"/>, with its status set.</summary>
    protected abstract ProblemDetails ProblemOf(TException exception);
}
