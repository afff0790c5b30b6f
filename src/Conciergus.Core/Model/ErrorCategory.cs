namespace Conciergus.Core.Model;

/// <summary>One category per failed operation (DESIGN.md section 6).</summary>
public enum ErrorCategory
{
    /// <summary>No error (successful operation).</summary>
    None = 0,

    /// <summary>Too many requests; retry later.</summary>
    RateLimit,

    /// <summary>Billing quota or credits exhausted.</summary>
    QuotaExceeded,

    /// <summary>The call timed out.</summary>
    Timeout,

    /// <summary>Missing or invalid credentials.</summary>
    Authentication,

    /// <summary>Credentials valid but not allowed.</summary>
    Permission,

    /// <summary>The provider's safety system refused the prompt or the answer.</summary>
    ContentFilter,

    /// <summary>Prompt plus output exceed the model's context window.</summary>
    ContextLengthExceeded,

    /// <summary>Malformed or invalid request.</summary>
    InvalidRequest,

    /// <summary>Model or resource not found.</summary>
    NotFound,

    /// <summary>Provider-side failure (5xx, overloaded).</summary>
    ServerError,

    /// <summary>Connection, DNS or TLS failure.</summary>
    Network,

    /// <summary>The caller cancelled.</summary>
    Cancelled,

    /// <summary>Could not be categorised.</summary>
    Unknown,
}

/// <summary>Wire names of <see cref="ErrorCategory"/> (snake_case, as in the API).</summary>
public static class ErrorCategoryNames
{
    private static readonly string[] Names =
    [
        "none", "rate_limit", "quota_exceeded", "timeout", "authentication", "permission", "content_filter",
        "context_length_exceeded", "invalid_request", "not_found", "server_error", "network", "cancelled", "unknown",
    ];

    /// <summary>The snake_case name of a category.</summary>
    public static string ToWireName(this ErrorCategory category) =>
        (uint)category < (uint)Names.Length ? Names[(int)category] : "unknown";

    /// <summary>Parses a snake_case category name; false when it is not one.</summary>
    public static bool TryParse(string? name, out ErrorCategory category)
    {
        var index = Array.IndexOf(Names, name?.Trim().ToLowerInvariant());
        category = index < 0 ? ErrorCategory.Unknown : (ErrorCategory)index;
        return index >= 0;
    }
}

/// <summary>What is known about a failure, from any source (HTTP, provider body, exception, span).</summary>
public sealed record ErrorDetails
{
    /// <summary>Error type: exception type name, provider error type or OpenTelemetry error.type.</summary>
    public string? Type { get; init; }

    /// <summary>HTTP status code when the failure came from an HTTP response.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>Provider error code (for example OpenAI "context_length_exceeded", Google "RESOURCE_EXHAUSTED").</summary>
    public string? Code { get; init; }

    /// <summary>Error message (kept short; redacted before display where prompts may leak).</summary>
    public string? Message { get; init; }
}
