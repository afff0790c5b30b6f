using System.Net;
using System.Runtime.CompilerServices;

using Microsoft.Extensions.AI;

namespace Conciergus.Dashboard.Demo;

/// <summary>"Conciergus:Demo:FailingProvider": one demo model that fails in cycles, to show circuits and fallbacks.</summary>
public sealed class DemoFailingProviderOptions
{
    /// <summary>Whether the model fails in cycles.</summary>
    public bool Enabled { get; set; }

    /// <summary>Model that fails (its provider comes from the demo catalog).</summary>
    public string Model { get; set; } = "gpt-4o";

    /// <summary>Healthy stretch at the start of each cycle.</summary>
    public TimeSpan HealthyFor { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Outage (every call answers 503) after the healthy stretch; then the cycle repeats.</summary>
    public TimeSpan FailingFor { get; set; } = TimeSpan.FromSeconds(90);
}

/// <summary>Wraps a demo model: during the outage part of each cycle every call fails with HTTP 503 after 200 ms.</summary>
public sealed class DemoFailingChatClient : DelegatingChatClient
{
    private readonly DemoFailingProviderOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly DateTimeOffset _start;

    /// <summary>Creates the wrapper; the first cycle starts now.</summary>
    public DemoFailingChatClient(IChatClient inner, DemoFailingProviderOptions options, TimeProvider timeProvider)
        : base(inner)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options;
        _timeProvider = timeProvider;
        _start = timeProvider.GetUtcNow();
    }

    /// <summary>Whether the provider is in its outage now.</summary>
    public bool Failing
    {
        get
        {
            var cycle = _options.HealthyFor + _options.FailingFor;
            var into = TimeSpan.FromTicks((_timeProvider.GetUtcNow() - _start).Ticks % Math.Max(1, cycle.Ticks));
            return into >= _options.HealthyFor;
        }
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        await FailIfDownAsync(cancellationToken).ConfigureAwait(false);
        return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await FailIfDownAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    private async Task FailIfDownAsync(CancellationToken cancellationToken)
    {
        if (Failing)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), _timeProvider, cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException("Service unavailable: the demo provider is down (503).", null, HttpStatusCode.ServiceUnavailable);
        }
    }
}

/// <summary>Sends each call to the demo model named by <c>ChatOptions.ModelId</c> (the default model otherwise), so fallbacks can change model and provider.</summary>
public sealed class DemoModelRouter : IChatClient
{
    private readonly IReadOnlyDictionary<string, IChatClient> _clients;
    private readonly string _defaultModel;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Creates a router whose default is <paramref name="defaultModel"/> of <paramref name="provider"/>.</summary>
    public DemoModelRouter(string provider, string defaultModel, IReadOnlyDictionary<string, IChatClient> clients)
    {
        _clients = clients;
        _defaultModel = defaultModel;
        _metadata = new ChatClientMetadata(provider, null, defaultModel);
    }

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Route(options).GetResponseAsync(messages, options, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Route(options).GetStreamingResponseAsync(messages, options, cancellationToken);

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The routed clients are shared and disposed by their owner.
    }

    private IChatClient Route(ChatOptions? options) =>
        _clients.TryGetValue(options?.ModelId ?? _defaultModel, out var client) ? client
        : throw new InvalidOperationException($"The demo has no model '{options?.ModelId}'.");
}
