using System.Collections.Concurrent;
using System.Diagnostics;

using Conciergus.Core.Telemetry;
using Conciergus.Core.Traces;

using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Demo;

/// <summary>
/// Drives realistic multi-model traffic through the real <c>UseConciergus()</c> middleware: Poisson
/// arrivals at about <see cref="DemoOptions.RequestsPerSecond"/> with occasional bursts, 40 pseudonymous
/// users with a few heavy ones, sessions, four function ids, streaming and non-streaming calls,
/// a RAG flow that embeds before it chats, and the odd stream the user abandons.
/// </summary>
public sealed partial class DemoTrafficService : BackgroundService
{
    /// <summary>Application every demo operation is tagged with.</summary>
    public const string Application = "demo";

    /// <summary>Environment every demo operation is tagged with.</summary>
    public const string Environment = "development";

    /// <summary>Function ids the demo uses.</summary>
    public static readonly IReadOnlyList<string> FunctionIds = ["support-chat", "summarize", "classify", "rag-search"];

    private const int UserCount = 40;

    private static readonly (string Model, double Weight)[] ModelWeights =
    [
        ("gpt-4o-mini", 28), ("gpt-4o", 18), ("gemini-2.5-flash", 13), ("claude-sonnet-4-5", 14),
        ("claude-haiku-4-5", 12), ("o4-mini", 8), ("mistral-large-latest", 7),
    ];

    private static readonly (string FunctionId, double Weight, double StreamingShare)[] Functions =
    [
        ("support-chat", 0.40, 0.85), ("summarize", 0.25, 0.35), ("classify", 0.20, 0.05), ("rag-search", 0.15, 0.70),
    ];

    private readonly IServiceProvider _services;
    private readonly DemoOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DemoTrafficService> _logger;
    private readonly ConcurrentDictionary<long, Task> _inFlight = new();
    private readonly Dictionary<string, string> _sessions = new(StringComparer.Ordinal);
    private long _launched;
    private long _skipped;

    /// <summary>Creates the service; clients are built from <paramref name="services"/> when it starts.</summary>
    public DemoTrafficService(IServiceProvider services, IOptions<DemoOptions> options, ILogger<DemoTrafficService> logger)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        _services = services;
        _options = options.Value;
        _timeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
        _logger = logger;
    }

    /// <summary>Calls started so far.</summary>
    public long Launched => Interlocked.Read(ref _launched);

    /// <summary>Arrivals skipped because <see cref="DemoOptions.MaxConcurrency"/> calls were in flight.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var random = _options.Seed is { } seed ? new Random(seed) : new Random();
        var clients = DemoClients.Build(_services, _timeProvider, random, _options.FailingProvider, Tag);
        using var embeddings = new EmbeddingGeneratorBuilder<string, Embedding<float>>(
                new DemoEmbeddingGenerator("openai", "text-embedding-3-small", _timeProvider, new Random(random.Next())))
            .UseConciergus(Tag)
            .Build(_services);

        LogStarted(_logger, _options.RequestsPerSecond, clients.Count);
        var arrivals = new DemoArrivals(random, _options.RequestsPerSecond, _timeProvider.GetUtcNow());
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(arrivals.NextGap(_timeProvider.GetUtcNow()), _timeProvider, stoppingToken).ConfigureAwait(false);

                if (_inFlight.Count >= _options.MaxConcurrency)
                {
                    Interlocked.Increment(ref _skipped);
                    continue;
                }

                var request = NextRequest(random);
                Launch(() => RunAsync(request, clients[request.Model], embeddings, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            // In-flight calls observe the same token and end promptly; they never throw.
            await Task.WhenAll(_inFlight.Values).ConfigureAwait(false);
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }

            LogStopped(_logger, Launched, Skipped);
        }
    }

    private static void Tag(ConciergusMiddlewareOptions options)
    {
        options.Application = Application;
        options.Environment = Environment;
    }

    private void Launch(Func<Task> call)
    {
        var id = Interlocked.Increment(ref _launched);
        var task = call();
        _inFlight[id] = task;

        // Registered after the add, so a call that already finished is removed at once.
        _ = task.ContinueWith(
            (_, state) => ((ConcurrentDictionary<long, Task>)state!).TryRemove(id, out Task? _),
            _inFlight,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private DemoRequest NextRequest(Random random)
    {
        // A few heavy users: u^2.2 piles most draws onto the low indexes.
        var user = $"user-{(int)(UserCount * Math.Pow(random.NextDouble(), 2.2)) + 1:000}";
        if (!_sessions.TryGetValue(user, out var session) || random.NextDouble() < 0.08)
        {
            session = $"sess-{random.Next():x8}";
            _sessions[user] = session;
        }

        var (functionId, _, streamingShare) = Pick(random, Functions, f => f.Weight);
        var streaming = random.NextDouble() < streamingShare;
        return new DemoRequest
        {
            UserId = user,
            SessionId = session,
            ConversationId = functionId == "support-chat" ? "conv-" + session[5..] : null,
            FunctionId = functionId,
            Model = Pick(random, ModelWeights, m => m.Weight).Model,
            Streaming = streaming,
            AbandonAfterChunks = streaming && random.NextDouble() < 0.03 ? 2 : 0,
            Embed = functionId == "rag-search",
        };
    }

    private static T Pick<T>(Random random, T[] items, Func<T, double> weight)
    {
        var u = random.NextDouble() * items.Sum(weight);
        foreach (var item in items)
        {
            u -= weight(item);
            if (u < 0)
            {
                return item;
            }
        }

        return items[^1];
    }

    private async Task RunAsync(DemoRequest request, IChatClient client, IEmbeddingGenerator<string, Embedding<float>> embeddings, CancellationToken cancellationToken)
    {
        // The simulated app's own request span: the calls below join its W3C trace, so the Traces page has data.
        var started = _timeProvider.GetUtcNow();
        using var root = new Activity($"POST /{request.FunctionId}").SetIdFormat(ActivityIdFormat.W3C).Start();
        try
        {
            await RunCallsAsync(request, client, embeddings, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            AddRootSpan(root, request, started);
        }
    }

    private void AddRootSpan(Activity root, DemoRequest request, DateTimeOffset started)
    {
        var span = new SpanRecord
        {
            TraceId = root.TraceId.ToHexString(),
            SpanId = root.SpanId.ToHexString(),
            Name = root.DisplayName,
            Kind = "server",
            StartTime = started,
            DurationMs = (_timeProvider.GetUtcNow() - started).TotalMilliseconds,
            Status = "ok",
            Application = Application,
            Attributes = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["http.request.method"] = "POST",
                ["http.route"] = "/" + request.FunctionId,
                ["enduser.pseudo.id"] = request.UserId,
            },
        };
        foreach (var sink in _services.GetServices<ITraceSink>())
        {
            sink.Add(span);
        }
    }

    private async Task RunCallsAsync(DemoRequest request, IChatClient client, IEmbeddingGenerator<string, Embedding<float>> embeddings, CancellationToken cancellationToken)
    {
        using var scope = ConciergusContext.Begin(new ConciergusScope
        {
            UserId = request.UserId,
            SessionId = request.SessionId,
            ConversationId = request.ConversationId,
            FunctionId = request.FunctionId,
        });
        try
        {
            const string question = "Where is my order and can I still change the delivery address?";
            if (request.Embed)
            {
                await embeddings.GenerateAsync([question], cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            ChatMessage[] messages = [new(ChatRole.System, "You are a helpful assistant for an online shop."), new(ChatRole.User, question)];
            if (!request.Streaming)
            {
                await client.GetResponseAsync(messages, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }

            var chunks = 0;
            await foreach (var update in client.GetStreamingResponseAsync(messages, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (request.AbandonAfterChunks > 0 && ++chunks >= request.AbandonAfterChunks)
                {
                    break; // the user closed the tab
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
#pragma warning disable CA1031 // Simulated failures are the point; the middleware has already recorded them.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogCallFailed(_logger, request.Model, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo traffic started: about {RequestsPerSecond} operations per second across {ModelCount} chat models and one embeddings model, application \"demo\".")]
    private static partial void LogStarted(ILogger logger, double requestsPerSecond, int modelCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo traffic stopped after {Launched} calls ({Skipped} arrivals skipped at the concurrency cap).")]
    private static partial void LogStopped(ILogger logger, long launched, long skipped);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Simulated {Model} call failed.")]
    private static partial void LogCallFailed(ILogger logger, string model, Exception exception);

    private sealed record DemoRequest
    {
        public required string UserId { get; init; }

        public required string SessionId { get; init; }

        public string? ConversationId { get; init; }

        public required string FunctionId { get; init; }

        public required string Model { get; init; }

        public bool Streaming { get; init; }

        public int AbandonAfterChunks { get; init; }

        public bool Embed { get; init; }
    }
}
