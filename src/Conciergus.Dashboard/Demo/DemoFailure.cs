using System.Net;

namespace Conciergus.Dashboard.Demo;

/// <summary>Failures the simulator produces, each thrown the way a real provider SDK would surface it.</summary>
public enum DemoFailure
{
    /// <summary>The call succeeds.</summary>
    None = 0,

    /// <summary>HTTP 429.</summary>
    RateLimit,

    /// <summary>HTTP 500.</summary>
    ServerError,

    /// <summary>HTTP 503 (or the provider's overloaded status, Anthropic 529).</summary>
    Unavailable,

    /// <summary>TimeoutException after the client's timeout.</summary>
    Timeout,

    /// <summary>HTTP 400 context_length_exceeded.</summary>
    ContextLength,

    /// <summary>HTTP 400 content_filter.</summary>
    ContentFilter,

    /// <summary>HTTP 401.</summary>
    Authentication,
}

/// <summary>Shared sampling and exception helpers of the simulator.</summary>
internal static class DemoSimulation
{
    /// <summary>Client-side timeout the simulated SDKs give up after.</summary>
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A log-normal sample with the given median (e^mu) and sigma (Box-Muller).</summary>
    public static double LogNormal(this Random random, double median, double sigma)
    {
        var u1 = 1.0 - random.NextDouble(); // (0, 1]: log is finite
        var u2 = random.NextDouble();
        var z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        return median * Math.Exp(sigma * z);
    }

    /// <summary>Picks one failure from cumulative probabilities; <see cref="DemoFailure.None"/> otherwise.</summary>
    public static DemoFailure PickFailure(this Random random, DemoFailureRates rates)
    {
        var u = random.NextDouble();
        Span<(DemoFailure Failure, double Rate)> table =
        [
            (DemoFailure.RateLimit, rates.RateLimit),
            (DemoFailure.ServerError, rates.ServerError),
            (DemoFailure.Unavailable, rates.Unavailable),
            (DemoFailure.Timeout, rates.Timeout),
            (DemoFailure.ContextLength, rates.ContextLength),
            (DemoFailure.ContentFilter, rates.ContentFilter),
            (DemoFailure.Authentication, rates.Authentication),
        ];
        foreach (var (failure, rate) in table)
        {
            if (u < rate)
            {
                return failure;
            }

            u -= rate;
        }

        return DemoFailure.None;
    }

    /// <summary>How long a provider takes to fail this way (rate limits answer at once, timeouts never do).</summary>
    public static TimeSpan FailureDelay(this Random random, DemoFailure failure) => failure switch
    {
        DemoFailure.Timeout => ClientTimeout,
        DemoFailure.ServerError or DemoFailure.Unavailable => TimeSpan.FromMilliseconds(random.LogNormal(800, 0.8)),
        DemoFailure.ContentFilter => TimeSpan.FromMilliseconds(random.LogNormal(600, 0.5)),
        _ => TimeSpan.FromMilliseconds(random.LogNormal(120, 0.4)),
    };

    /// <summary>The exception a provider SDK would throw for <paramref name="failure"/>.</summary>
    public static Exception CreateException(DemoFailure failure, DemoModelProfile profile) => failure switch
    {
        DemoFailure.RateLimit => new HttpRequestException(
            $"Rate limit reached for {profile.Model}: too many requests (429). Please retry after 2s.", null, HttpStatusCode.TooManyRequests),
        DemoFailure.ServerError => new HttpRequestException(
            "The server had an error while processing your request (500).", null, HttpStatusCode.InternalServerError),
        DemoFailure.Unavailable => new HttpRequestException(
            profile.OverloadedStatus == 529 ? "Overloaded (529)." : "Service unavailable: the model is overloaded (503).",
            null,
            (HttpStatusCode)profile.OverloadedStatus),
        DemoFailure.Timeout => new TimeoutException(
            $"The request to {profile.Provider} timed out after {ClientTimeout.TotalSeconds:0} seconds."),
        DemoFailure.ContextLength => new HttpRequestException(
            "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens " +
            "(context_length_exceeded): context length exceeded.",
            null,
            HttpStatusCode.BadRequest),
        DemoFailure.ContentFilter => new HttpRequestException(
            "The response was filtered due to the prompt triggering the content management policy (content_filter).",
            null,
            HttpStatusCode.BadRequest),
        DemoFailure.Authentication => new HttpRequestException(
            "Incorrect API key provided (invalid_api_key).", null, HttpStatusCode.Unauthorized),
        _ => new InvalidOperationException("No failure to simulate."),
    };
}
