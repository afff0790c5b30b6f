using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Conciergus.Dashboard.Tests.Endpoints;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>
/// Issue 16 item 7: the per-key ingestion limit is off by default (a collector forwarding a fleet's spans with one key
/// is never refused by it), and when it is on it is a token bucket refilled every second, not a one-minute window.
/// </summary>
public sealed class IngestionRateLimitTests
{
    [Fact]
    public async Task Operations_OneSender400PerSecondFor20Seconds_DefaultsRefuseNothing()
    {
        using var factory = new ConciergusAppFactory();
        using var client = factory.CreateIngestionClient();
        var body = new object[] { new { model = "gpt-4o", provider = "openai", durationMs = 5 } };

        // 20 seconds' worth at 400 requests/s, one request at a time (so the concurrency gate is never the reason),
        // sent as fast as the loop goes: faster than 400/s here, so the old default (6,000 per key and minute in a
        // fixed window) refused the last 2,000 of them.
        var refused = 0;
        for (var i = 0; i < 400 * 20; i++)
        {
            using var response = await client.PostAsJsonAsync("/api/v1/operations", body);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused++;
            }
            else
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
        }

        Assert.Equal(0, refused);
    }

    [Fact]
    public async Task Operations_LimitConfigured_IsATokenBucketThatRefillsEverySecond()
    {
        using var factory = new ConciergusAppFactory(new() { ["Conciergus:Api:IngestionRequestsPerMinute"] = "120" });
        using var client = factory.CreateIngestionClient();
        var body = new object[] { new { model = "gpt-4o", durationMs = 5 } };

        // A minute's worth may come as a burst; the next is refused until the bucket refills (2 tokens a second).
        HttpResponseMessage? refusal = null;
        var accepted = 0;
        for (var i = 0; i < 200 && refusal is null; i++)
        {
            var response = await client.PostAsJsonAsync("/api/v1/operations", body);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refusal = response;
            }
            else
            {
                accepted++;
                response.Dispose();
            }
        }

        Assert.NotNull(refusal);
        using (refusal)
        {
            // At least the burst got through (a refill during the loop may add a few); a one-minute window would say
            // "retry in up to 60 s", the bucket says "in about a second".
            Assert.InRange(accepted, 120, 199);
            var retryAfter = int.Parse(refusal.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 1, 2);
        }
    }
}
