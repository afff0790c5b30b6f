using Conciergus.Core.Model;

namespace Conciergus.Core.Errors;

/// <summary>Maps what is known about a failure to one <see cref="ErrorCategory"/> (rules are a data table).</summary>
public interface IErrorCategorizer
{
    /// <summary>Categorises a failure; never throws, returns <see cref="ErrorCategory.Unknown"/> when nothing matches.</summary>
    /// <param name="details">Type, HTTP status, provider code and message, when known.</param>
    /// <param name="exception">The exception that ended the call, when there is one (inner exceptions are inspected).</param>
    /// <param name="provider">Provider name (openai, anthropic, azure.ai.openai, gcp.gemini, ...), when known.</param>
    ErrorCategory Categorize(ErrorDetails? details, Exception? exception = null, string? provider = null);

    /// <summary>Categorises a recorded operation; <see cref="ErrorCategory.None"/> when it succeeded.</summary>
    /// <param name="operation">The operation (its error details, provider and finish reasons are used).</param>
    ErrorCategory Categorize(AiOperation operation) =>
        operation is null || operation.Status == AiOperationStatus.Ok
            ? ErrorCategory.None
            : Categorize(operation.Error, exception: null, operation.Provider);
}
