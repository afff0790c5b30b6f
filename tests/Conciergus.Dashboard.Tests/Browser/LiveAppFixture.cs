using System.Net;
using System.Net.Http.Json;
using Conciergus.Dashboard.Tests.Endpoints;

namespace Conciergus.Dashboard.Tests.Browser;

/// <summary>
/// One app on a loopback Kestrel port with the system clock, shared by the browser tests that do not need an
/// empty app, and seeded once with traffic on several models (some failed, some with trace ids).
/// </summary>
public sealed class LiveAppFixture : IAsyncLifetime
{
    public ConciergusAppFactory Factory { get; } = new(realClock: true);

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Seeded operations on openai/gpt-4o.</summary>
    public const int Gpt4oRequests = 40;

    /// <summary>Seeded operations on all models.</summary>
    public const int SeededRequests = 100;

    /// <summary>When the seeded operations were stamped: operation i ended 2·i seconds before it.</summary>
    public DateTimeOffset SeededAt { get; private set; }

    public async Task InitializeAsync()
    {
        BaseAddress = Factory.StartKestrel();
        SeededAt = DateTimeOffset.UtcNow;
        var operations = new List<object>();
        for (var i = 0; i < SeededRequests; i++)
        {
            var model = i < Gpt4oRequests ? "gpt-4o" : i < 80 ? "gpt-4o-mini" : "claude-sonnet-4-5";
            var provider = i < 80 ? "openai" : "anthropic";
            var failed = i % 10 == 0;
            operations.Add(new
            {
                timestamp = SeededAt.AddSeconds(-i * 2),
                model,
                provider,
                durationMs = 300 + (i * 7 % 900),
                timeToFirstTokenMs = 120 + (i % 50),
                inputTokens = 1200,
                cachedInputTokens = i % 3 == 0 ? 1024 : 0,
                outputTokens = 200,
                status = failed ? "error" : "ok",
                error = failed ? new { type = "RateLimitError", httpStatus = 429, message = "Rate limit reached for user ops@example.com" } : null,
                application = i % 2 == 0 ? "support-bot" : "search",
                environment = "prod",
                userId = $"u-{i % 7}",
                traceId = failed ? $"{i:x32}" : null,
                spanId = failed ? $"{i + 1:x16}" : null, // an operation is placed in a trace only with its span id

            });
        }

        using var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);
        var response = await client.PostAsJsonAsync("/api/v1/operations", operations);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"Seeding failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();
}
