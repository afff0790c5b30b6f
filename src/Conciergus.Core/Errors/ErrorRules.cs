using static Conciergus.Core.Model.ErrorCategory;
using static Conciergus.Core.Errors.ErrorEvidence;
using static Conciergus.Core.Errors.RuleCondition;

using Conciergus.Core.Model;

namespace Conciergus.Core.Errors;

/// <summary>What a rule looks at. The categorizer consults evidence in this order (DESIGN.md section 6).</summary>
internal enum ErrorEvidence
{
    /// <summary>Provider error code or type (ErrorDetails.Code, ErrorDetails.Type, codes carried by exceptions, finish reasons).
    /// Matched case-insensitively ignoring '_', '-', '.' and spaces, so RESOURCE_EXHAUSTED equals gRPC's ResourceExhausted.
    /// A code made only of digits (Azure puts "429" in error.code) is looked up as an HTTP status.</summary>
    Code = 0,

    /// <summary>Exception type (the exception chain, each type and its base types) and, after that, the
    /// OpenTelemetry error.type string. Match is a full name (contains '.'), a simple name, or "*Suffix".</summary>
    TypeName = 1,

    /// <summary>HTTP status: "429", or a class "4xx" / "5xx".</summary>
    HttpStatus = 2,

    /// <summary>Last resort: keywords in the error message or any exception message (Match is ignored; When holds the words).</summary>
    Message = 3,
}

/// <summary>Extra condition on a rule, beyond its match.</summary>
internal enum RuleCondition
{
    /// <summary>No extra condition.</summary>
    None = 0,

    /// <summary>The exception wraps a TimeoutException or is HttpClient's timeout (only with an exception object).</summary>
    WrapsTimeout = 1,

    /// <summary>The exception carries an HTTP status (HttpRequestException.StatusCode, ClientResultException.Status,
    /// RequestFailedException.Status, ...): the category comes from the HttpStatus rules.</summary>
    CarriesStatus = 2,
}

/// <summary>One row of the rule table.</summary>
/// <param name="On">Which evidence the row looks at.</param>
/// <param name="Match">Code, type name or status the evidence must equal.</param>
/// <param name="Category">The category when the row matches; null with <see cref="RuleCondition.CarriesStatus"/> (taken from the status).</param>
/// <param name="When">When set, some message must also contain one of these words (case-insensitive).</param>
/// <param name="Condition">Extra condition.</param>
/// <param name="Emitter">Who produces this evidence (documentation only).</param>
internal sealed record ErrorRule(
    ErrorEvidence On,
    string Match,
    ErrorCategory? Category,
    string[]? When = null,
    RuleCondition Condition = RuleCondition.None,
    string? Emitter = null);

/// <summary>
/// The error rule table: data, not a chain of ifs. Within one kind of evidence, rows are tried top to
/// bottom and the first match wins, so refinements (rows with <c>When</c> words) come before their general row.
/// Precedence across evidence: provider code, then exception type, then error.type, then HTTP status, then message keywords.
/// </summary>
internal static class ErrorRules
{
    internal static readonly string[] ContextLengthWords =
    [
        "context length", "context_length", "maximum context", "context window", "prompt is too long",
        "too many tokens", "exceeds the maximum number of tokens", "input token count", "reduce the length",
    ];

    internal static readonly string[] ContentFilterWords =
    [
        "content filter", "content_filter", "content management policy", "content policy", "content_policy",
        "responsibleaipolicyviolation", "safety system", "blocked due to safety", "finish reason: safety",
    ];

    // Billing words only: Google's per-minute limits also say "quota", so bare "quota" is a weaker, later keyword.
    internal static readonly string[] QuotaWords =
    [
        "insufficient_quota", "exceeded your current quota", "check your plan and billing", "billing",
        "credit balance", "out of credits", "insufficient credits", "payment required",
    ];

    internal static readonly string[] RateLimitWords =
    [
        "rate limit", "rate_limit", "ratelimit", "too many requests", "per minute", "throttl",
    ];

    internal static readonly string[] TimeoutWords =
    [
        "timed out", "timeout", "time out", "deadline exceeded", "deadline_exceeded",
    ];

    internal static readonly string[] NetworkWords =
    [
        "connection refused", "connection reset", "connection was closed", "no such host", "name or service not known",
        "name resolution", "network is unreachable", "ssl connection could not be established", "remote party has closed",
        "econnreset", "econnrefused", "enotfound", "socket hang up",
    ];

    internal static readonly string[] AuthenticationWords =
    [
        "invalid api key", "incorrect api key", "invalid x-api-key", "api key not valid", "invalid_api_key",
        "unauthorized", "unauthenticated", "authentication",
    ];

    internal static readonly string[] PermissionWords = ["permission", "forbidden", "access denied", "not authorized", "not allowed"];

    internal static readonly string[] NotFoundWords = ["not found", "does not exist", "no such model", "unknown model"];

    internal static readonly string[] ServerWords =
    [
        "overloaded", "internal server error", "internal error", "service unavailable", "bad gateway", "server error", "server_error",
    ];

    internal static readonly string[] CancelledWords = ["canceled", "cancelled", "aborted"];

    internal static readonly string[] LocationWords = ["location is not supported", "country, region, or territory not supported"];

    /// <summary>Every rule, grouped by evidence; order matters within a group.</summary>
    internal static readonly ErrorRule[] All =
    [
        // ---- Provider codes and types ------------------------------------------------------------
        // OpenAI (error.code / error.type) -- also Azure OpenAI, which reuses them.
        new(Code, "rate_limit_exceeded", RateLimit, Emitter: "openai"),
        new(Code, "insufficient_quota", QuotaExceeded, Emitter: "openai"),
        new(Code, "billing_hard_limit_reached", QuotaExceeded, Emitter: "openai"),
        new(Code, "billing_not_active", QuotaExceeded, Emitter: "openai"),
        new(Code, "context_length_exceeded", ContextLengthExceeded, Emitter: "openai, azure"),
        new(Code, "invalid_api_key", Authentication, Emitter: "openai"),
        new(Code, "model_not_found", NotFound, Emitter: "openai"),
        new(Code, "content_filter", ContentFilter, Emitter: "openai finish reason, azure"),
        new(Code, "content_policy_violation", ContentFilter, Emitter: "openai"),
        new(Code, "server_error", ServerError, Emitter: "openai"),
        new(Code, "unsupported_country_region_territory", Permission, Emitter: "openai"),

        // Generic "invalid request" types (OpenAI and Anthropic): refined by the message first.
        new(Code, "invalid_request_error", ContextLengthExceeded, When: ContextLengthWords, Emitter: "openai, anthropic ('prompt is too long')"),
        new(Code, "invalid_request_error", QuotaExceeded, When: QuotaWords, Emitter: "anthropic ('credit balance is too low')"),
        new(Code, "invalid_request_error", ContentFilter, When: ContentFilterWords, Emitter: "openai"),
        new(Code, "invalid_request_error", InvalidRequest, Emitter: "openai, anthropic"),

        // Anthropic (error.type)
        new(Code, "rate_limit_error", RateLimit, Emitter: "anthropic"),
        new(Code, "overloaded_error", ServerError, Emitter: "anthropic (HTTP 529)"),
        new(Code, "authentication_error", Authentication, Emitter: "anthropic"),
        new(Code, "permission_error", Permission, Emitter: "anthropic"),
        new(Code, "not_found_error", NotFound, Emitter: "anthropic"),
        new(Code, "api_error", ServerError, Emitter: "anthropic"),
        new(Code, "billing_error", QuotaExceeded, Emitter: "anthropic (HTTP 402)"),
        new(Code, "timeout_error", ErrorCategory.Timeout, Emitter: "anthropic (HTTP 504)"),

        // Anthropic request_too_large / HTTP 413 is the request's size in bytes, not its tokens: an invalid request.
        new(Code, "request_too_large", InvalidRequest, Emitter: "anthropic (HTTP 413)"),

        // Azure OpenAI / Azure AI (error.code)
        new(Code, "ResponsibleAIPolicyViolation", ContentFilter, Emitter: "azure"),
        new(Code, "RateLimitReached", RateLimit, Emitter: "azure"),
        new(Code, "TooManyRequests", RateLimit, Emitter: "azure"),
        new(Code, "DeploymentNotFound", NotFound, Emitter: "azure"),
        new(Code, "Unauthorized", Authentication, Emitter: "azure"),
        new(Code, "InvalidAuthenticationToken", Authentication, Emitter: "azure"),
        new(Code, "AuthenticationTypeDisabled", Authentication, Emitter: "azure"),
        new(Code, "InternalServerError", ServerError, Emitter: "azure"),
        new(Code, "ServiceUnavailable", ServerError, Emitter: "azure"),
        new(Code, "OperationNotSupported", InvalidRequest, Emitter: "azure"),

        // Google (google.rpc.Code names in error.status; gRPC StatusCode names normalise to the same keys)
        new(Code, "RESOURCE_EXHAUSTED", RateLimit, Emitter: "google"),
        new(Code, "DEADLINE_EXCEEDED", ErrorCategory.Timeout, Emitter: "google"),
        new(Code, "UNAUTHENTICATED", Authentication, Emitter: "google"),
        new(Code, "PERMISSION_DENIED", Permission, Emitter: "google, azure PermissionDenied"),
        new(Code, "INVALID_ARGUMENT", ContextLengthExceeded, When: ContextLengthWords, Emitter: "google"),
        new(Code, "INVALID_ARGUMENT", InvalidRequest, Emitter: "google"),
        new(Code, "FAILED_PRECONDITION", Permission, When: LocationWords, Emitter: "google ('User location is not supported')"),
        new(Code, "FAILED_PRECONDITION", InvalidRequest, Emitter: "google"),
        new(Code, "OUT_OF_RANGE", InvalidRequest, Emitter: "google"),
        new(Code, "NOT_FOUND", NotFound, Emitter: "google, azure NotFound"),
        new(Code, "INTERNAL", ServerError, Emitter: "google"),
        new(Code, "UNAVAILABLE", ServerError, Emitter: "google"),
        new(Code, "ABORTED", ServerError, Emitter: "google"),
        new(Code, "CANCELLED", Cancelled, Emitter: "google"),
        new(Code, "CANCELED", Cancelled, Emitter: "otel, grpc"),

        // Google finish / block reasons
        new(Code, "SAFETY", ContentFilter, Emitter: "google finish reason"),
        new(Code, "PROHIBITED_CONTENT", ContentFilter, Emitter: "google block reason"),
        new(Code, "BLOCKLIST", ContentFilter, Emitter: "google"),
        new(Code, "SPII", ContentFilter, Emitter: "google"),
        new(Code, "IMAGE_SAFETY", ContentFilter, Emitter: "google"),
        new(Code, "RECITATION", ContentFilter, Emitter: "google"),
        new(Code, "blocked", ContentFilter, Emitter: "google promptFeedback"),

        // ---- Exception types (most derived first, outermost exception first), then error.type strings ----
        // SslStream's AuthenticationException is a TLS handshake failure: a network problem, not bad credentials.
        new(TypeName, "System.Security.Authentication.AuthenticationException", Network, Emitter: ".NET"),

        new(TypeName, "OperationCanceledException", ErrorCategory.Timeout, Condition: WrapsTimeout, Emitter: ".NET (HttpClient.Timeout)"),
        new(TypeName, "OperationCanceledException", ErrorCategory.Timeout, When: ["HttpClient.Timeout"], Emitter: ".NET"),
        new(TypeName, "OperationCanceledException", Cancelled, Emitter: ".NET"),
        new(TypeName, "TaskCanceledException", ErrorCategory.Timeout, Condition: WrapsTimeout, Emitter: ".NET (HttpClient.Timeout)"),
        new(TypeName, "TaskCanceledException", ErrorCategory.Timeout, When: ["HttpClient.Timeout"], Emitter: ".NET"),
        new(TypeName, "TaskCanceledException", Cancelled, Emitter: ".NET"),
        new(TypeName, "TimeoutException", ErrorCategory.Timeout, Emitter: ".NET"),
        new(TypeName, "TimeoutRejectedException", ErrorCategory.Timeout, Emitter: "Polly"),

        new(TypeName, "HttpRequestException", null, Condition: CarriesStatus, Emitter: ".NET"),
        new(TypeName, "HttpRequestException", Network, Emitter: ".NET (no response: DNS, connect, TLS)"),
        new(TypeName, "SocketException", Network, Emitter: ".NET"),
        new(TypeName, "HttpIOException", Network, Emitter: ".NET"),
        new(TypeName, "WebException", Network, Emitter: ".NET"),
        new(TypeName, "IOException", Network, Emitter: ".NET (connection dropped mid-stream)"),

        // System.ClientModel (OpenAI .NET SDK), Azure.Core and Google.Apis carry the status; status 0 means no response.
        new(TypeName, "ClientResultException", null, Condition: CarriesStatus, Emitter: "System.ClientModel"),
        new(TypeName, "ClientResultException", Network, Emitter: "System.ClientModel (no response)"),
        new(TypeName, "RequestFailedException", null, Condition: CarriesStatus, Emitter: "Azure.Core"),
        new(TypeName, "RequestFailedException", Network, Emitter: "Azure.Core (no response)"),
        new(TypeName, "GoogleApiException", null, Condition: CarriesStatus, Emitter: "Google.Apis"),

        new(TypeName, "UnauthorizedAccessException", Permission, Emitter: ".NET"),
        new(TypeName, "AuthenticationFailedException", Authentication, Emitter: "Azure.Identity"),
        new(TypeName, "CredentialUnavailableException", Authentication, Emitter: "Azure.Identity"),
        new(TypeName, "*AuthenticationException", Authentication, Emitter: "SDKs"),
        new(TypeName, "ArgumentException", InvalidRequest, Emitter: ".NET (rejected before sending)"),
        new(TypeName, "BrokenCircuitException", ServerError, Emitter: "Polly (circuit open after provider failures)"),
        new(TypeName, "RateLimiterRejectedException", RateLimit, Emitter: "Polly"),
        new(TypeName, "RateLimitRejectedException", RateLimit, Emitter: "Polly v7"),

        // Python / JavaScript SDK exception names, as they arrive in error.type.
        new(TypeName, "RateLimitError", RateLimit, Emitter: "openai-python, anthropic-sdk"),
        new(TypeName, "APITimeoutError", ErrorCategory.Timeout, Emitter: "openai-python, anthropic-sdk"),
        new(TypeName, "APIConnectionError", Network, Emitter: "openai-python, anthropic-sdk"),
        new(TypeName, "AuthenticationError", Authentication, Emitter: "openai-python, anthropic-sdk"),
        new(TypeName, "PermissionDeniedError", Permission, Emitter: "openai-python, anthropic-sdk"),
        new(TypeName, "NotFoundError", NotFound, Emitter: "openai-python, anthropic-sdk"),
        new(TypeName, "BadRequestError", ContextLengthExceeded, When: ContextLengthWords, Emitter: "openai-python, anthropic-sdk"),
        new(TypeName, "BadRequestError", InvalidRequest, Emitter: "openai-python, anthropic-sdk"),
        new(TypeName, "UnprocessableEntityError", InvalidRequest, Emitter: "openai-python"),
        new(TypeName, "InternalServerError", ServerError, Emitter: "openai-python, anthropic-sdk"),
        new(TypeName, "OverloadedError", ServerError, Emitter: "anthropic-sdk"),
        new(TypeName, "ContentFilterFinishReasonError", ContentFilter, Emitter: "openai-python"),
        new(TypeName, "ContextWindowExceededError", ContextLengthExceeded, Emitter: "litellm"),
        new(TypeName, "TimeoutError", ErrorCategory.Timeout, Emitter: "python, javascript"),
        new(TypeName, "ReadTimeout", ErrorCategory.Timeout, Emitter: "httpx"),
        new(TypeName, "ConnectTimeout", ErrorCategory.Timeout, Emitter: "httpx"),
        new(TypeName, "ConnectError", Network, Emitter: "httpx"),
        new(TypeName, "ConnectionError", Network, Emitter: "python"),
        new(TypeName, "AbortError", Cancelled, Emitter: "javascript"),

        // OpenTelemetry error.type values that are not exception names ("_OTHER" means unknown: no row).
        new(TypeName, "timeout", ErrorCategory.Timeout, Emitter: "otel"),
        new(TypeName, "cancelled", Cancelled, Emitter: "otel"),
        new(TypeName, "canceled", Cancelled, Emitter: "otel"),

        // ---- HTTP status -------------------------------------------------------------------------
        new(HttpStatus, "400", ContextLengthExceeded, When: ContextLengthWords),
        new(HttpStatus, "400", ContentFilter, When: ContentFilterWords, Emitter: "azure content filter"),
        new(HttpStatus, "400", QuotaExceeded, When: QuotaWords, Emitter: "anthropic credit balance"),
        new(HttpStatus, "400", InvalidRequest),
        new(HttpStatus, "401", Authentication),
        new(HttpStatus, "402", QuotaExceeded),
        new(HttpStatus, "403", Permission),
        new(HttpStatus, "404", NotFound),
        new(HttpStatus, "408", ErrorCategory.Timeout),
        new(HttpStatus, "409", ServerError, Emitter: "transient conflict; provider SDKs retry it"),
        new(HttpStatus, "413", InvalidRequest, Emitter: "request body too large (bytes)"),
        new(HttpStatus, "422", InvalidRequest),
        new(HttpStatus, "429", QuotaExceeded, When: QuotaWords, Emitter: "openai insufficient_quota"),
        new(HttpStatus, "429", RateLimit),
        new(HttpStatus, "499", Cancelled, Emitter: "client closed request"),
        new(HttpStatus, "500", ServerError),
        new(HttpStatus, "502", ServerError),
        new(HttpStatus, "503", ServerError),
        new(HttpStatus, "504", ErrorCategory.Timeout, Emitter: "gateway timeout"),
        new(HttpStatus, "529", ServerError, Emitter: "anthropic overloaded"),
        new(HttpStatus, "4xx", InvalidRequest),
        new(HttpStatus, "5xx", ServerError),

        // ---- Message keywords (last resort; order matters) ----------------------------------------
        new(Message, "*", ContextLengthExceeded, When: ContextLengthWords),
        new(Message, "*", ContentFilter, When: ContentFilterWords),
        new(Message, "*", QuotaExceeded, When: QuotaWords),
        new(Message, "*", RateLimit, When: RateLimitWords),
        new(Message, "*", QuotaExceeded, When: ["quota"]),
        new(Message, "*", ErrorCategory.Timeout, When: TimeoutWords),
        new(Message, "*", Network, When: NetworkWords),
        new(Message, "*", Authentication, When: AuthenticationWords),
        new(Message, "*", Permission, When: PermissionWords),
        new(Message, "*", NotFound, When: NotFoundWords),
        new(Message, "*", ServerError, When: ServerWords),
        new(Message, "*", Cancelled, When: CancelledWords),
    ];
}
