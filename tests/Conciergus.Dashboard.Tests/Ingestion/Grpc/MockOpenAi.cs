using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Ingestion.Grpc;

/// <summary>
/// A loopback stand-in for the OpenAI HTTP API (POST /v1/chat/completions): canned JSON answers, or server-sent
/// events when the request streams, each with usage (prompt tokens including cached ones, completion tokens), and a
/// 429 rate-limit error for every <see cref="RateLimitEvery"/>-th request. It tallies what it answered, so a test
/// compares the dashboard's figures with the provider's own.
/// </summary>
internal sealed class MockOpenAi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private int _requests;

    private MockOpenAi(WebApplication app, int rateLimitEvery)
    {
        _app = app;
        RateLimitEvery = rateLimitEvery;
    }

    /// <summary>Every n-th request (1-based) is refused with 429; 0 never.</summary>
    public int RateLimitEvery { get; }

    /// <summary>Base address for SDKs, ending in /v1.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public int Answered { get; private set; }

    public int Streamed { get; private set; }

    public int RateLimited { get; private set; }

    public long PromptTokens { get; private set; }

    public long CompletionTokens { get; private set; }

    public long CachedTokens { get; private set; }

    /// <summary>Cached tokens of the streamed answers (part of <see cref="CachedTokens"/>).</summary>
    public long CachedTokensStreamed { get; private set; }

    /// <summary>Models answered (response model ids), with counts.</summary>
    public Dictionary<string, int> Models { get; } = new(StringComparer.Ordinal);

    public static async Task<MockOpenAi> StartAsync(int rateLimitEvery = 5)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRouting();
        var app = builder.Build();
        var mock = new MockOpenAi(app, rateLimitEvery);
        app.MapPost("/v1/chat/completions", mock.ChatAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        mock.BaseAddress = new Uri(address.TrimEnd('/') + "/v1");
        return mock;
    }

    /// <summary>Prompt tokens of the n-th answered call (0-based): cached tokens are part of them.</summary>
    public static long Prompt(int n) => 120 + (10 * n);

    public static long Completion(int n) => 15 + n;

    public static long Cached(int n) => n % 2 == 0 ? 64 : 0;

    private async Task ChatAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var model = body.RootElement.GetProperty("model").GetString() ?? "gpt-4o-mini";
        var stream = body.RootElement.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        int n;
        bool limited;
        lock (_gate)
        {
            _requests++;
            limited = RateLimitEvery > 0 && _requests % RateLimitEvery == 0;
            n = Answered;
            if (limited)
            {
                RateLimited++;
            }
            else
            {
                Answered++;
                Streamed += stream ? 1 : 0;
                PromptTokens += Prompt(n);
                CompletionTokens += Completion(n);
                CachedTokens += Cached(n);
                CachedTokensStreamed += stream ? Cached(n) : 0;
                var responseModel = model + "-2024-08-06";
                Models[responseModel] = Models.GetValueOrDefault(responseModel) + 1;
            }
        }

        if (limited)
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers["retry-after"] = "20";
            await context.Response.WriteAsJsonAsync(new
            {
                error = new { message = "Rate limit reached for " + model + " on requests per min (RPM): Limit 3, Used 3, Requested 1.", type = "requests", param = (string?)null, code = "rate_limit_exceeded" },
            });
            return;
        }

        var id = "chatcmpl-" + n;
        var usage = new JsonObject
        {
            ["prompt_tokens"] = Prompt(n),
            ["completion_tokens"] = Completion(n),
            ["total_tokens"] = Prompt(n) + Completion(n),
            ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = Cached(n), ["audio_tokens"] = 0 },
            ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0, ["audio_tokens"] = 0 },
        };
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (!stream)
        {
            var answer = new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion",
                ["created"] = created,
                ["model"] = model + "-2024-08-06",
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "Answer " + n + "." },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = usage,
            };
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.ToJsonString());
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        foreach (var (delta, finish) in new (JsonObject Delta, string? Finish)[]
        {
            (new JsonObject { ["role"] = "assistant", ["content"] = "" }, null),
            (new JsonObject { ["content"] = "Streamed " }, null),
            (new JsonObject { ["content"] = "answer " + n + "." }, null),
            (new JsonObject(), "stop"),
        })
        {
            var chunk = new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion.chunk",
                ["created"] = created,
                ["model"] = model + "-2024-08-06",
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
            };
            await WriteEventAsync(context, chunk.ToJsonString());
        }

        var last = new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = created,
            ["model"] = model + "-2024-08-06",
            ["choices"] = new JsonArray(),
            ["usage"] = usage,
        };
        await WriteEventAsync(context, last.ToJsonString());
        await WriteEventAsync(context, "[DONE]");
    }

    private static async Task WriteEventAsync(HttpContext context, string data)
    {
        await context.Response.WriteAsync("data: " + data + "\n\n", Encoding.UTF8);
        await context.Response.Body.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
