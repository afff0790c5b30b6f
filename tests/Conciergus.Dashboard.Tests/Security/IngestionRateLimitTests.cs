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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(59)]
    [InlineData(60)]
    [InlineData(90)]
    [InlineData(120)]
    [InlineData(6_000)]
    [InlineData(100_000_000)]
    public void Bucket_AnyRate_RefillsExactlyThatManyTokensAMinuteInWholeSecondSteps(int perMinute)
    {
        var bucket = Conciergus.Dashboard.Security.RateLimits.Bucket(perMinute);

        Assert.Equal(perMinute, bucket.TokenLimit);
        Assert.Equal(perMinute * 1.0, bucket.TokensPerPeriod * (60.0 / bucket.ReplenishmentPeriod.TotalSeconds), precision: 9);
        Assert.True(bucket.ReplenishmentPeriod >= TimeSpan.FromSeconds(1) && bucket.ReplenishmentPeriod <= TimeSpan.FromMinutes(1));
        Assert.Equal(0, bucket.ReplenishmentPeriod.Ticks % TimeSpan.TicksPerSecond);
    }

    [Fact]
    public async Task Operations_TwoAMinute_ThirdIsRefusedWithARetryOfSecondsNotOne()
    {
        using var factory = new ConciergusAppFactory(new() { ["Conciergus:Api:IngestionRequestsPerMinute"] = "2" });
        using var client = factory.CreateIngestionClient();
        var body = new object[] { new { model = "gpt-4o", durationMs = 5 } };

        using var first = await client.PostAsJsonAsync("/api/v1/operations", body);
        using var second = await client.PostAsJsonAsync("/api/v1/operations", body);
        using var third = await client.PostAsJsonAsync("/api/v1/operations", body);

        // Two a minute refill one token every 30 s: the third waits for it (a refill of one token a second, as rounding
        // the rate up to whole tokens per second gave, let it through after a second and allowed 60 a minute).
        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], [first.StatusCode, second.StatusCode, third.StatusCode]);
        var retryAfter = int.Parse(third.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 2, 30);
    }
}
