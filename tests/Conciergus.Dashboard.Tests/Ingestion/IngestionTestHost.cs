using System.Collections.Concurrent;
using Conciergus.Core.Collector;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Conciergus.Core.Model;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Ingestion;

/// <summary>Captures every operation the collector records (a read model like the others).</summary>
internal sealed class CapturingSink : IAiOperationSink
{
    private readonly ConcurrentQueue<AiOperation> _operations = new();

    public IReadOnlyList<AiOperation> Operations => [.. _operations];

    public void Accept(AiOperation operation) => _operations.Enqueue(operation);
}

/// <summary>The app with a capturing sink, for tests that look at each operation.</summary>
internal sealed class IngestionTestHost : IDisposable
{
    public IngestionTestHost(bool realClock = false)
    {
        Factory = new ConciergusAppFactory(realClock: realClock);
        App = Factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IAiOperationSink>(Sink)));
    }

    public ConciergusAppFactory Factory { get; }

    public Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> App { get; }

    public CapturingSink Sink { get; } = new();

    public HttpClient CreateIngestionClient()
    {
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);
        client.DefaultRequestHeaders.Add("X-Api-Key", ConciergusAppFactory.ApiKeys[Conciergus.Dashboard.Security.ConciergusRole.Viewer]);
        return client;
    }

    /// <summary>Moves the app's clock just past the last span of recorded payloads, so their operations are "now".</summary>
    public void MoveClockPast(IEnumerable<ExportTraceServiceRequest> requests)
    {
        var lastEnd = requests.SelectMany(r => r.ResourceSpans).SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans).Max(s => s.EndTimeUnixNano);
        var end = DateTimeOffset.UnixEpoch.AddTicks((long)(lastEnd / 100));
        if (end > Factory.Time.GetUtcNow())
        {
            Factory.Time.SetUtcNow(end.AddSeconds(1));
        }
    }

    public void Dispose()
    {
        App.Dispose();
        Factory.Dispose();
    }
}
