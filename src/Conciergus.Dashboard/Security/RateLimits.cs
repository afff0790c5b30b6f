using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Security;

/// <summary>
/// Rate limits (no queue): POST /auth/login per client address (a fixed one-minute window), and, only when
/// <see cref="ApiOptions.IngestionRequestsPerMinute"/> is set, ingestion endpoints per ingestion key (or address
/// without one) as a token bucket: a minute's worth of burst, refilled at the configured rate (<see cref="Bucket"/>), so a
/// collector sending steadily at that rate is never refused. Off by default: the ingestion concurrency gate protects the server.
/// The client address is the forwarded one behind a configured proxy (Conciergus:ForwardedHeaders).
/// Everything else is not limited. Rejections are 429 problem details with Retry-After.
/// </summary>
internal static class RateLimits
{
    public static void Configure(RateLimiterOptions limiter)
    {
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(Partition);
        limiter.OnRejected = async (context, cancellationToken) =>
        {
            var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await TypedResults.Problem(
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "Too many requests",
                detail: $"Slow down: try again in {seconds} s.").ExecuteAsync(context.HttpContext).ConfigureAwait(false);
        };
    }

    private static RateLimitPartition<string> Partition(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments(AuthEndpoints.LoginPath))
        {
            var logins = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.LoginRequestsPerMinute;
            return RateLimitPartition.GetFixedWindowLimiter("login:" + ClientIp(context), _ => Window(logins));
        }

        if (context.GetEndpoint()?.Metadata.GetMetadata<IngestionEndpointMetadata>() is not null
            && context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.IngestionRequestsPerMinute is > 0 and var ingestions)
        {
            // The key itself is never a dictionary key in memory: its digest is.
            var key = IngestionKeyFilterKey(request);
            var partition = key is null ? "ip:" + ClientIp(context) : "key:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
            return RateLimitPartition.GetTokenBucketLimiter("ingest:" + partition, _ => Bucket(ingestions));
        }

        return RateLimitPartition.GetNoLimiter(string.Empty);
    }

    private static FixedWindowRateLimiterOptions Window(int perMinute) => new()
    {
        PermitLimit = perMinute,
        Window = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>
    /// A minute's worth of burst, refilled at exactly the configured rate in the shortest whole-second step that carries a
    /// whole number of tokens: 120 a minute is 2 every second, 90 is 3 every 2 s, 2 is 1 every 30 s. (Rounding the rate
    /// up to whole tokens per second let 2 a minute through as 60.) Periods stay of a second or more: each limiter's
    /// refill timer ticks once per period.
    /// </summary>
    internal static TokenBucketRateLimiterOptions Bucket(int perMinute)
    {
        var step = (int)BigInteger.GreatestCommonDivisor(perMinute, 60);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = perMinute / step,
            ReplenishmentPeriod = TimeSpan.FromSeconds(60 / step),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    private static string? IngestionKeyFilterKey(HttpRequest request) =>
        Endpoints.IngestionKeyFilter.ReadKey(request);

    private static string ClientIp(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "local";
}
