using Conciergus.Core.Resilience;

namespace Conciergus.Dashboard.Tests.Resilience;

public sealed class RetryAfterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("7", 7_000)]
    [InlineData("0.5", 500)]
    [InlineData("Fri, 27 Nov 2026 12:00:20 GMT", 20_000)] // RFC 9110 HTTP-date, 20 s after now
    [InlineData("Fri, 27 Nov 2026 11:59:00 GMT", 0)] // in the past: retry at once
    public void Parse_HeaderValue_IsTheDelay(string value, double expectedMs) =>
        Assert.Equal(expectedMs, RetryAfter.Parse(value, Now)!.Value.TotalMilliseconds, 6);

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-3")]
    public void Parse_Garbage_IsNull(string value) => Assert.Null(RetryAfter.Parse(value, Now));

    [Fact]
    public void From_SdkExceptionWithRawResponseHeaders_ReadsRetryAfterMsFirst()
    {
        var inner = new RawResponseException(new Dictionary<string, string> { ["retry-after-ms"] = "1500", ["Retry-After"] = "9" });

        Assert.Equal(TimeSpan.FromMilliseconds(1500), RetryAfter.From(new InvalidOperationException("wrapped", inner), Now));
        Assert.Equal(TimeSpan.FromSeconds(9), RetryAfter.From(new RawResponseException(new Dictionary<string, string> { ["Retry-After"] = "9" }), Now));
    }

    [Fact]
    public void From_ExceptionData_TakesTimeSpanSecondsOrText()
    {
        var e = new HttpRequestException("429");
        e.Data[RetryAfter.DataKey] = TimeSpan.FromSeconds(3);
        Assert.Equal(TimeSpan.FromSeconds(3), RetryAfter.From(e, Now));
        Assert.Null(RetryAfter.From(new HttpRequestException("no hint"), Now));
    }

    [Fact]
    public void Validator_BadSettings_SayWhatIsWrong()
    {
        var options = new ResilienceOptions
        {
            Retry = new RetrySettings { MaxRetries = 11, RetryOn = ["rate_limit", "sometimes"] },
            CircuitBreaker = new CircuitBreakerSettings { FailureRatio = 0, MinimumThroughput = 1 },
            Fallbacks = { ["gpt-4o"] = ["openai/gpt-4o"] },
        };

        var result = new ResilienceOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("MaxRetries", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("'sometimes'", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("FailureRatio", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("MinimumThroughput", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("falls back to itself", StringComparison.Ordinal));
        Assert.True(new ResilienceOptionsValidator().Validate(null, new ResilienceOptions()).Succeeded);
    }

    /// <summary>Shaped like System.ClientModel's ClientResultException: GetRawResponse().Headers.TryGetValue(name, out value).</summary>
    private sealed class RawResponseException(Dictionary<string, string> headers) : Exception("429")
    {
        public Response GetRawResponse() => new(headers);

        public sealed class Response(Dictionary<string, string> headers)
        {
            public HeaderBag Headers { get; } = new(headers);
        }

        public sealed class HeaderBag(Dictionary<string, string> headers)
        {
            public bool TryGetValue(string name, out string? value)
            {
                var hit = headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
                value = hit.Value;
                return hit.Key is not null;
            }
        }
    }
}
