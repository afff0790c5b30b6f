using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;

using Conciergus.Core.Collector;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Telemetry;

using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Telemetry;

/// <summary>
/// Listens to the middleware's spans of one unique model only. Listeners are process-wide: this one samples only spans
/// whose name holds its model, so parallel tests get no spans created for them, and keeps only those spans when they
/// stop (every listener of the source is told of every span that any listener sampled).
/// </summary>
internal sealed class ModelSpanListener : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ConcurrentQueue<string[]> _sampledTagKeys = new();
    private readonly ActivityListener _listener;

    public ModelSpanListener(string prefix)
    {
        Model = prefix + Guid.NewGuid().ToString("N")[..8];
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ConciergusDiagnostics.ActivitySourceName,
            Sample = Sample,
            ActivityStopped = KeepIfOurs,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The unique model to give the pipelines under test (spans of "chat {Model}..." are sampled).</summary>
    public string Model { get; }

    public IReadOnlyCollection<Activity> Stopped => _stopped;

    /// <summary>The tag keys each sampled span offered its sampler at creation.</summary>
    public IReadOnlyCollection<string[]> SampledTagKeys => _sampledTagKeys;

    public void Dispose() => _listener.Dispose();

    private void KeepIfOurs(Activity span)
    {
        if (span.DisplayName.Contains(Model, StringComparison.Ordinal))
        {
            _stopped.Enqueue(span);
        }
    }

    private ActivitySamplingResult Sample(ref ActivityCreationOptions<ActivityContext> options)
    {
        if (!options.Name.Contains(Model, StringComparison.Ordinal))
        {
            return ActivitySamplingResult.None;
        }

        _sampledTagKeys.Enqueue(options.Tags?.Select(t => t.Key).ToArray() ?? []);
        return ActivitySamplingResult.AllDataAndRecorded;
    }
}

/// <summary>Captures what the middleware records (the real collector is built elsewhere).</summary>
internal sealed class CapturingRecorder : IAiOperationRecorder
{
    private readonly ConcurrentQueue<AiOperation> _operations = new();

    public IReadOnlyList<AiOperation> Operations => [.. _operations];

    public int Count => _operations.Count;

    public void Record(AiOperation operation) => _operations.Enqueue(operation);
}

/// <summary>A model provider at the edge: answers from a script and spends time on the fake clock.</summary>
internal sealed class ScriptedChatClient(FakeTimeProvider time) : IChatClient
{
    public ChatClientMetadata Metadata { get; init; } = new("OpenAI", null, "gpt-4o");

    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(1500);

    public ChatResponse Response { get; init; } = new(new ChatMessage(ChatRole.Assistant, "hi"));

    public Exception? Exception { get; init; }

    /// <summary>Stream script: wait this long on the fake clock, then yield the update.</summary>
    public IReadOnlyList<(TimeSpan Delay, ChatResponseUpdate Update)> Updates { get; init; } = [];

    /// <summary>Thrown by the stream after every scripted update was yielded.</summary>
    public Exception? StreamException { get; init; }

    public IEnumerable<ChatMessage>? LastMessages { get; private set; }

    public ChatOptions? LastOptions { get; private set; }

    public bool StreamDisposed { get; private set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        LastMessages = messages;
        LastOptions = options;
        time.Advance(Latency);
        return Exception is null ? Task.FromResult(Response) : Task.FromException<ChatResponse>(Exception);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        LastMessages = messages;
        LastOptions = options;
        try
        {
            foreach (var (delay, update) in Updates)
            {
                await Task.Yield();
                time.Advance(delay);
                yield return update;
            }

            if (StreamException is not null)
            {
                throw StreamException;
            }
        }
        finally
        {
            StreamDisposed = true;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? Metadata : null;

    public void Dispose()
    {
    }
}

/// <summary>A model provider whose answer comes later, when the test gives it (or which throws before returning a task).</summary>
internal sealed class PendingChatClient : IChatClient
{
    private readonly TaskCompletionSource<ChatResponse> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChatClientMetadata Metadata { get; init; } = new("OpenAI", null, "gpt-4o");

    /// <summary>Thrown by GetResponseAsync itself, before any task exists.</summary>
    public Exception? ThrowAtOnce { get; init; }

    /// <summary>Called when the middleware calls this client (to see Activity.Current there).</summary>
    public Action? OnCall { get; init; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        OnCall?.Invoke();
        return ThrowAtOnce is null ? _answer.Task : throw ThrowAtOnce;
    }

    public void Answer(ChatResponse response) => _answer.SetResult(response);

    public void Fail(Exception exception) => _answer.SetException(exception);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? Metadata : null;

    public void Dispose()
    {
    }
}

/// <summary>An embeddings provider at the edge.</summary>
internal sealed class ScriptedEmbeddingGenerator(FakeTimeProvider time) : IEmbeddingGenerator<string, Embedding<float>>
{
    public EmbeddingGeneratorMetadata Metadata { get; init; } = new("OpenAI", null, "text-embedding-3-small", 3);

    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(80);

    public Exception? Exception { get; init; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        time.Advance(Latency);
        if (Exception is not null)
        {
            return Task.FromException<GeneratedEmbeddings<Embedding<float>>>(Exception);
        }

        var inputs = values.ToList();
        var result = new GeneratedEmbeddings<Embedding<float>>(
            inputs.Select(_ => new Embedding<float>(new float[] { 0.1f, 0.2f, 0.3f }) { ModelId = "text-embedding-3-small-v2" }))
        {
            Usage = new UsageDetails { InputTokenCount = 7L * inputs.Count, TotalTokenCount = 7L * inputs.Count },
        };
        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata : null;

    public void Dispose()
    {
    }
}

/// <summary>Categorizer fake until the real one lands: a tiny table plus a record of what it was asked.</summary>
internal sealed class TableErrorCategorizer : IErrorCategorizer
{
    public List<(ErrorDetails? Details, Exception? Exception, string? Provider)> Calls { get; } = [];

    public ErrorCategory Categorize(ErrorDetails? details, Exception? exception = null, string? provider = null)
    {
        Calls.Add((details, exception, provider));
        return exception switch
        {
            OperationCanceledException => ErrorCategory.Cancelled,
            TimeoutException => ErrorCategory.Timeout,
            _ => details?.HttpStatus switch
            {
                429 => ErrorCategory.RateLimit,
                401 => ErrorCategory.Authentication,
                >= 500 => ErrorCategory.ServerError,
                _ => ErrorCategory.Unknown,
            },
        };
    }
}

/// <summary>Builds middleware pipelines the way an app does, with small overridable parts.</summary>
internal static class Pipelines
{
    public static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static IServiceProvider Services(
        IAiOperationRecorder recorder,
        TimeProvider time,
        IErrorCategorizer? categorizer = null,
        IChatRequestInterceptor? interceptor = null)
    {
        var services = new ServiceCollection()
            .AddSingleton(recorder)
            .AddSingleton(time);
        if (categorizer is not null)
        {
            services.AddSingleton(categorizer);
        }

        if (interceptor is not null)
        {
            services.AddSingleton(interceptor);
        }

        return services.BuildServiceProvider();
    }

    public static IChatClient Chat(
        IChatClient inner,
        IAiOperationRecorder recorder,
        TimeProvider time,
        IErrorCategorizer? categorizer = null,
        IChatRequestInterceptor? interceptor = null,
        Action<ConciergusMiddlewareOptions>? configure = null) =>
        new ChatClientBuilder(inner)
            .UseConciergus(configure ?? (o => o.Application = "test-app"))
            .Build(Services(recorder, time, categorizer, interceptor));
}
