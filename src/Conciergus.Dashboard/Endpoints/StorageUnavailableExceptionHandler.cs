using Conciergus.Core.Storage;
using Microsoft.AspNetCore.Diagnostics;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// Answers a write refused because the database file is not open (<see cref="StorageUnavailableException"/>) with
/// 503 and the reason, instead of a bare 500: the operator sees what is wrong and that a retry after the fix works.
/// </summary>
public sealed class StorageUnavailableExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is not StorageUnavailableException storage)
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Storage unavailable",
                Detail = $"{storage.Reason}. The change was not saved; ingestion and reads keep working in memory. See /healthz.",
            },
        });
    }
}
