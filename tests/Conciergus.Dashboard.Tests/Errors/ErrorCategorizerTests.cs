using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;

using Conciergus.Core.Errors;
using Conciergus.Core.Model;

using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Errors;

public class ErrorCategorizerTests
{
    private static readonly ErrorCategorizer Categorizer = new();

    private static ErrorDetails Details(string? code = null, string? type = null, int status = 0, string? message = null) =>
        new() { Code = code, Type = type, HttpStatus = status == 0 ? null : status, Message = message };

    // Provider error bodies as documented by each provider (code, type, HTTP status, message).
    [Theory]
    // OpenAI
    [InlineData("openai", "rate_limit_exceeded", "requests", 429, "Rate limit reached for gpt-4o", "rate_limit")]
    [InlineData("openai", "insufficient_quota", "insufficient_quota", 429, "You exceeded your current quota, please check your plan and billing details.", "quota_exceeded")]
    [InlineData("openai", "context_length_exceeded", "invalid_request_error", 400, "This model's maximum context length is 128000 tokens.", "context_length_exceeded")]
    [InlineData("openai", "invalid_api_key", "invalid_request_error", 401, "Incorrect API key provided.", "authentication")]
    [InlineData("openai", "model_not_found", "invalid_request_error", 404, "The model `gpt-7` does not exist.", "not_found")]
    [InlineData("openai", "content_policy_violation", "invalid_request_error", 400, "Your request was rejected by our safety system.", "content_filter")]
    [InlineData("openai", "content_filter", null, 0, null, "content_filter")]
    [InlineData("openai", null, "server_error", 500, "The server had an error while processing your request.", "server_error")]
    [InlineData("openai", "unsupported_country_region_territory", "request_forbidden", 403, "Country, region, or territory not supported", "permission")]
    // Anthropic
    [InlineData("anthropic", null, "rate_limit_error", 429, "Number of request tokens has exceeded your per-minute rate limit", "rate_limit")]
    [InlineData("anthropic", null, "overloaded_error", 529, "Overloaded", "server_error")]
    [InlineData("anthropic", null, "authentication_error", 401, "invalid x-api-key", "authentication")]
    [InlineData("anthropic", null, "permission_error", 403, "Your API key does not have permission to use the specified resource.", "permission")]
    [InlineData("anthropic", null, "not_found_error", 404, "model: claude-9", "not_found")]
    [InlineData("anthropic", null, "invalid_request_error", 400, "prompt is too long: 215000 tokens > 200000 maximum", "context_length_exceeded")]
    [InlineData("anthropic", null, "invalid_request_error", 400, "Your credit balance is too low to access the Anthropic API.", "quota_exceeded")]
    [InlineData("anthropic", null, "invalid_request_error", 400, "messages: roles must alternate", "invalid_request")]
    [InlineData("anthropic", null, "api_error", 500, "Internal server error", "server_error")]
    [InlineData("anthropic", null, "request_too_large", 413, "Request exceeds the maximum allowed number of bytes.", "invalid_request")]
    [InlineData("anthropic", null, "billing_error", 402, "Billing issue", "quota_exceeded")]
    // Azure OpenAI
    [InlineData("azure.ai.openai", "content_filter", null, 400, "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", "content_filter")]
    [InlineData("azure.ai.openai", "429", null, 429, "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-02-01 have exceeded token rate limit of your current OpenAI S0 pricing tier.", "rate_limit")]
    [InlineData("azure.ai.openai", "RateLimitReached", null, 429, "Rate limit is exceeded.", "rate_limit")]
    [InlineData("azure.ai.openai", "DeploymentNotFound", null, 404, "The API deployment for this resource does not exist.", "not_found")]
    [InlineData("azure.ai.openai", "context_length_exceeded", "invalid_request_error", 400, "This model's maximum context length is 8192 tokens.", "context_length_exceeded")]
    [InlineData("azure.ai.openai", "ResponsibleAIPolicyViolation", null, 400, null, "content_filter")]
    // Google (Gemini API and Vertex AI error.status)
    [InlineData("gcp.gemini", "RESOURCE_EXHAUSTED", null, 429, "You exceeded your current quota, please check your plan and billing details.", "rate_limit")]
    [InlineData("gcp.gemini", "DEADLINE_EXCEEDED", null, 504, "Deadline expired before operation could complete.", "timeout")]
    [InlineData("gcp.gemini", "UNAUTHENTICATED", null, 401, "Request had invalid authentication credentials.", "authentication")]
    [InlineData("gcp.gemini", "PERMISSION_DENIED", null, 403, "Permission denied on resource project.", "permission")]
    [InlineData("gcp.gemini", "INVALID_ARGUMENT", null, 400, "Request contains an invalid argument.", "invalid_request")]
    [InlineData("gcp.gemini", "INVALID_ARGUMENT", null, 400, "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).", "context_length_exceeded")]
    [InlineData("gcp.gemini", "FAILED_PRECONDITION", null, 400, "User location is not supported for the API use.", "permission")]
    [InlineData("gcp.gemini", "NOT_FOUND", null, 404, "models/gemini-9 is not found for API version v1beta.", "not_found")]
    [InlineData("gcp.gemini", "INTERNAL", null, 500, "An internal error has occurred.", "server_error")]
    [InlineData("gcp.vertex_ai", "UNAVAILABLE", null, 503, "The model is overloaded.", "server_error")]
    [InlineData("gcp.gemini", "SAFETY", null, 0, null, "content_filter")]
    [InlineData("gcp.gemini", "PROHIBITED_CONTENT", null, 0, null, "content_filter")]
    [InlineData("gcp.gemini", "Resource-Exhausted", null, 0, null, "rate_limit")]
    public void Categorize_ProviderErrorShapes_MapToCategory(string provider, string? code, string? type, int status, string? message, string expected)
    {
        var category = Categorizer.Categorize(Details(code, type, status, message), exception: null, provider);

        Assert.Equal(expected, category.ToWireName());
    }

    [Theory]
    [InlineData(400, "invalid_request")]
    [InlineData(401, "authentication")]
    [InlineData(402, "quota_exceeded")]
    [InlineData(403, "permission")]
    [InlineData(404, "not_found")]
    [InlineData(408, "timeout")]
    [InlineData(409, "server_error")]
    [InlineData(413, "invalid_request")]
    [InlineData(418, "invalid_request")]
    [InlineData(422, "invalid_request")]
    [InlineData(429, "rate_limit")]
    [InlineData(499, "cancelled")]
    [InlineData(500, "server_error")]
    [InlineData(502, "server_error")]
    [InlineData(503, "server_error")]
    [InlineData(504, "timeout")]
    [InlineData(529, "server_error")]
    [InlineData(599, "server_error")]
    [InlineData(302, "unknown")]
    [InlineData(200, "unknown")]
    public void Categorize_HttpStatusOnly_MapsToCategory(int status, string expected)
    {
        Assert.Equal(expected, Categorizer.Categorize(Details(status: status)).ToWireName());
    }

    // OpenTelemetry error.type values as emitted by Microsoft.Extensions.AI, other SDKs and instrumentations.
    [Theory]
    [InlineData("timeout", null, "timeout")]
    [InlineData("System.TimeoutException", null, "timeout")]
    [InlineData("System.Net.Http.HttpRequestException", null, "network")]
    [InlineData("System.Threading.Tasks.TaskCanceledException", null, "cancelled")]
    [InlineData("System.Threading.Tasks.TaskCanceledException", "The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", "timeout")]
    [InlineData("System.OperationCanceledException", null, "cancelled")]
    [InlineData("System.Security.Authentication.AuthenticationException", null, "network")]
    [InlineData("429", null, "rate_limit")]
    [InlineData("503", null, "server_error")]
    [InlineData("rate_limit_exceeded", null, "rate_limit")]
    [InlineData("openai.RateLimitError", null, "rate_limit")]
    [InlineData("anthropic.APITimeoutError", null, "timeout")]
    [InlineData("openai.APIConnectionError", null, "network")]
    [InlineData("openai.BadRequestError", "This model's maximum context length is 16385 tokens.", "context_length_exceeded")]
    [InlineData("httpx.ConnectError", null, "network")]
    [InlineData("AbortError", null, "cancelled")]
    [InlineData("Contoso.Sdk.TokenAuthenticationException", null, "authentication")]
    [InlineData("_OTHER", null, "unknown")]
    [InlineData("_OTHER", "Request timed out.", "timeout")]
    public void Categorize_ErrorTypeString_MapsToCategory(string errorType, string? message, string expected)
    {
        Assert.Equal(expected, Categorizer.Categorize(Details(type: errorType, message: message)).ToWireName());
    }

    public static TheoryData<string, ErrorCategory> ExceptionCases => new()
    {
        { "TaskCanceledException wrapping TimeoutException (HttpClient timeout)", ErrorCategory.Timeout },
        { "TaskCanceledException with the HttpClient.Timeout message only", ErrorCategory.Timeout },
        { "TaskCanceledException (caller cancelled)", ErrorCategory.Cancelled },
        { "OperationCanceledException", ErrorCategory.Cancelled },
        { "TimeoutException", ErrorCategory.Timeout },
        { "type derived from TimeoutException", ErrorCategory.Timeout },
        { "AggregateException holding a TimeoutException", ErrorCategory.Timeout },
        { "HttpRequestException 429", ErrorCategory.RateLimit },
        { "HttpRequestException 401", ErrorCategory.Authentication },
        { "HttpRequestException 503", ErrorCategory.ServerError },
        { "HttpRequestException 429 with a quota message", ErrorCategory.QuotaExceeded },
        { "HttpRequestException without status", ErrorCategory.Network },
        { "HttpRequestException wrapping SocketException", ErrorCategory.Network },
        { "HttpRequestException wrapping TLS AuthenticationException", ErrorCategory.Network },
        { "SocketException", ErrorCategory.Network },
        { "InvalidOperationException wrapping HttpRequestException 429", ErrorCategory.RateLimit },
        { "ClientResultException 429 insufficient_quota", ErrorCategory.QuotaExceeded },
        { "ClientResultException 400 context_length_exceeded", ErrorCategory.ContextLengthExceeded },
        { "ClientResultException 401 without code", ErrorCategory.Authentication },
        { "ClientResultException with status 0 (no response)", ErrorCategory.Network },
        { "RequestFailedException 400 content_filter", ErrorCategory.ContentFilter },
        { "RequestFailedException 404 DeploymentNotFound", ErrorCategory.NotFound },
        { "RequestFailedException 502 without code", ErrorCategory.ServerError },
        { "RpcException ResourceExhausted", ErrorCategory.RateLimit },
        { "RpcException DeadlineExceeded", ErrorCategory.Timeout },
        { "UnauthorizedAccessException", ErrorCategory.Permission },
        { "ArgumentNullException", ErrorCategory.InvalidRequest },
        { "plain Exception with a rate-limit message", ErrorCategory.RateLimit },
        { "plain Exception", ErrorCategory.Unknown },
    };

    private static readonly Dictionary<string, Func<Exception>> Exceptions = new()
    {
        ["TaskCanceledException wrapping TimeoutException (HttpClient timeout)"] = () =>
            new TaskCanceledException("The operation was canceled.", new TimeoutException("The operation was canceled.")),
        ["TaskCanceledException with the HttpClient.Timeout message only"] = () =>
            new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing."),
        ["TaskCanceledException (caller cancelled)"] = () => new TaskCanceledException(),
        ["OperationCanceledException"] = () => new OperationCanceledException(),
        ["TimeoutException"] = () => new TimeoutException(),
        ["type derived from TimeoutException"] = () => new ProviderTimeoutException(),
        ["AggregateException holding a TimeoutException"] = () => new AggregateException(new TimeoutException()),
        ["HttpRequestException 429"] = () => new HttpRequestException("Too Many Requests", null, HttpStatusCode.TooManyRequests),
        ["HttpRequestException 401"] = () => new HttpRequestException("Unauthorized", null, HttpStatusCode.Unauthorized),
        ["HttpRequestException 503"] = () => new HttpRequestException("Service Unavailable", null, HttpStatusCode.ServiceUnavailable),
        ["HttpRequestException 429 with a quota message"] = () =>
            new HttpRequestException("You exceeded your current quota, please check your plan and billing details.", null, HttpStatusCode.TooManyRequests),
        ["HttpRequestException without status"] = () => new HttpRequestException("An error occurred while sending the request."),
        ["HttpRequestException wrapping SocketException"] = () =>
            new HttpRequestException("Connection refused (api.openai.com:443)", new SocketException((int)SocketError.ConnectionRefused)),
        ["HttpRequestException wrapping TLS AuthenticationException"] = () =>
            new HttpRequestException("The SSL connection could not be established, see inner exception.", new AuthenticationException("Authentication failed because the remote party has closed the transport stream.")),
        ["SocketException"] = () => new SocketException((int)SocketError.HostNotFound),
        ["InvalidOperationException wrapping HttpRequestException 429"] = () =>
            new InvalidOperationException("Chat failed", new HttpRequestException("Too Many Requests", null, HttpStatusCode.TooManyRequests)),
        ["ClientResultException 429 insufficient_quota"] = () =>
            new ClientResultException(429, "HTTP 429 (insufficient_quota: insufficient_quota)\n\nYou exceeded your current quota."),
        ["ClientResultException 400 context_length_exceeded"] = () =>
            new ClientResultException(400, "HTTP 400 (invalid_request_error: context_length_exceeded)\n\nParameter: messages"),
        ["ClientResultException 401 without code"] = () => new ClientResultException(401, "HTTP 401 (: )"),
        ["ClientResultException with status 0 (no response)"] = () => new ClientResultException(0, "No response received."),
        ["RequestFailedException 400 content_filter"] = () => new RequestFailedException(400, "content_filter", "The response was filtered."),
        ["RequestFailedException 404 DeploymentNotFound"] = () => new RequestFailedException(404, "DeploymentNotFound", "The API deployment does not exist."),
        ["RequestFailedException 502 without code"] = () => new RequestFailedException(502, null, "Bad gateway"),
        ["RpcException ResourceExhausted"] = () => new RpcException(StatusCode.ResourceExhausted),
        ["RpcException DeadlineExceeded"] = () => new RpcException(StatusCode.DeadlineExceeded),
        ["UnauthorizedAccessException"] = () => new UnauthorizedAccessException(),
        ["ArgumentNullException"] = () => new ArgumentNullException("messages"),
        ["plain Exception with a rate-limit message"] = () => new InvalidOperationException("Rate limit reached for requests"),
        ["plain Exception"] = () => new InvalidOperationException("boom"),
    };

    [Theory]
    [MemberData(nameof(ExceptionCases))]
    public void Categorize_Exception_MapsToCategory(string name, ErrorCategory expected)
    {
        Assert.Equal(expected, Categorizer.Categorize(details: null, Exceptions[name]()));
    }

    // Precedence: provider code > exception type > error.type > HTTP status > message keywords > unknown.
    [Theory]
    [InlineData("code beats status", "context_length_exceeded", null, 400, null, null, "context_length_exceeded")]
    [InlineData("quota code beats 429", "insufficient_quota", null, 429, null, null, "quota_exceeded")]
    [InlineData("code beats exception", "rate_limit_exceeded", null, 0, null, "cancel", "rate_limit")]
    [InlineData("exception beats error.type", null, "System.Net.Http.HttpRequestException", 0, null, "timeout", "timeout")]
    [InlineData("exception beats status", null, null, 500, null, "network", "network")]
    [InlineData("error.type beats status", null, "System.TimeoutException", 500, null, null, "timeout")]
    [InlineData("status beats message", null, null, 401, "Request timed out", null, "authentication")]
    [InlineData("_OTHER falls through to status", null, "_OTHER", 503, null, null, "server_error")]
    [InlineData("429 with billing words is quota", null, null, 429, "You exceeded your current quota, please check your plan and billing details.", null, "quota_exceeded")]
    [InlineData("400 with context words is context length", null, null, 400, "This model's maximum context length is 4097 tokens.", null, "context_length_exceeded")]
    [InlineData("message is the last resort", null, null, 0, "Connection reset by peer", null, "network")]
    [InlineData("message quota without billing words", null, null, 0, "Quota exceeded for quota metric 'Tokens per day'", null, "quota_exceeded")]
    [InlineData("nothing known", null, null, 0, null, null, "unknown")]
    public void Categorize_SeveralSignals_FollowsPrecedence(string scenario, string? code, string? type, int status, string? message, string? exception, string expected)
    {
        Exception? error = exception switch
        {
            "cancel" => new OperationCanceledException(),
            "timeout" => new TimeoutException(),
            "network" => new HttpRequestException("An error occurred while sending the request.", new SocketException((int)SocketError.ConnectionReset)),
            _ => null,
        };

        var category = Categorizer.Categorize(Details(code, type, status, message), error);

        Assert.True(expected == category.ToWireName(), $"{scenario}: expected {expected}, got {category.ToWireName()}");
    }

    [Fact]
    public void Categorize_NothingAtAll_IsUnknown()
    {
        Assert.Equal(ErrorCategory.Unknown, Categorizer.Categorize(details: null));
    }

    [Fact]
    public void Categorize_ExceptionWhoseMessageThrows_ReturnsUnknownInsteadOfThrowing()
    {
        Assert.Equal(ErrorCategory.Unknown, Categorizer.Categorize(Details(message: "x"), new HostileException()));
    }

    [Fact]
    public void Categorize_SelfReferencingAggregate_Terminates()
    {
        var inner = new InvalidOperationException("boom");
        var aggregate = new AggregateException(inner, inner, inner);

        Assert.Equal(ErrorCategory.Unknown, Categorizer.Categorize(null, aggregate));
    }

    [Theory]
    [InlineData(AiOperationStatus.Error, "SAFETY", ErrorCategory.ContentFilter)]
    [InlineData(AiOperationStatus.Error, "content_filter", ErrorCategory.ContentFilter)]
    [InlineData(AiOperationStatus.Error, "stop", ErrorCategory.Unknown)]
    [InlineData(AiOperationStatus.Ok, "SAFETY", ErrorCategory.None)]
    public void Categorize_Operation_UsesFinishReasonsAndStatus(AiOperationStatus status, string finishReason, ErrorCategory expected)
    {
        var operation = new AiOperation
        {
            OperationId = "op-1",
            StartTime = DateTimeOffset.UnixEpoch,
            Provider = "gcp.gemini",
            Status = status,
            FinishReasons = [finishReason],
        };

        Assert.Equal(expected, Categorizer.Categorize(operation));
        Assert.Equal(expected, ((IErrorCategorizer)Categorizer).Categorize(operation));
    }

    [Fact]
    public void Rules_EveryFailureCategory_IsReachableFromTheTable()
    {
        var reachable = ErrorRules.All.Where(r => r.Category is not null).Select(r => r.Category!.Value).ToHashSet();

        var missing = Enum.GetValues<ErrorCategory>().Where(c => c is not ErrorCategory.None and not ErrorCategory.Unknown && !reachable.Contains(c));

        Assert.Empty(missing);
    }

    [Fact]
    public void Rules_WithinOneMatch_RefinementsComeBeforeTheGeneralRow()
    {
        // A row without conditions hides every later row with the same evidence and match.
        var shadowed = ErrorRules.All
            .Select((rule, index) => (rule, index))
            .GroupBy(x => (x.rule.On, Key: ErrorCategorizer.NormalizeCode(x.rule.Match)))
            .Where(g => g.SkipWhile(x => x.rule.When is not null || x.rule.Condition != RuleCondition.None).Skip(1).Any())
            .Select(g => g.Key)
            .ToList();

        Assert.Empty(shadowed);
    }

    [Fact]
    public void AddConciergusErrors_RegistersCategorizerAndRecentErrorsOnce()
    {
        var services = new ServiceCollection().AddConciergusErrors().AddConciergusErrors();
        using var provider = services.BuildServiceProvider();

        Assert.IsType<ErrorCategorizer>(provider.GetRequiredService<IErrorCategorizer>());
        Assert.Same(provider.GetRequiredService<RecentErrors>(), provider.GetRequiredService<RecentErrors>());
        Assert.Single(services, d => d.ServiceType == typeof(IErrorCategorizer));
    }

    private sealed class ProviderTimeoutException : TimeoutException;

    private sealed class HostileException : Exception
    {
        public override string Message => throw new InvalidOperationException("no message for you");
    }

    // Look-alikes of SDK exception types: the categorizer knows them by name and reads Status / ErrorCode /
    // StatusCode by reflection, so the real packages are not needed.
    private sealed class ClientResultException(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;
    }

    private sealed class RequestFailedException(int status, string? errorCode, string message) : Exception(message)
    {
        public int Status { get; } = status;

        public string? ErrorCode { get; } = errorCode;
    }

    private enum StatusCode
    {
        DeadlineExceeded = 4,
        ResourceExhausted = 8,
    }

    private sealed class RpcException(StatusCode statusCode) : Exception($"Status(StatusCode=\"{statusCode}\")")
    {
        public StatusCode StatusCode { get; } = statusCode;
    }
}
