using Conciergus.Core.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// Answers a write refused because the database file is not open (<see cref="StorageUnavailableException"/>) with
/// 503 and the reason, instead of a bare 500: the operator sees what is wrong and that a retry after the fix works.
/// </summary>
public sealed class StorageUnavailableExceptionHandler(IProblemDetailsService problemDetails) : ProblemExceptionHandler<StorageUnavailableException>(problemDetails)
{
    /// <inheritdoc />
    protected override ProblemDetails ProblemOf(StorageUnavailableException exception) => new()
    {
        Status = StatusCodes.Status503ServiceUnavailable,
        Title = "Storage unavailable",
        Detail = $"{exception?.Reason}. The change was not saved; ingestion and reads keep working in memory. See /healthz.",
    };
}
