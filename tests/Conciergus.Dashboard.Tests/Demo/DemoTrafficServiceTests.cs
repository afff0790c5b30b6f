using Conciergus.Core.Model;
using Conciergus.Dashboard.Demo;
using Conciergus.Dashboard.Tests.Telemetry;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Demo;

public class DemoTrafficServiceTests
{
    [Fact]
    public async Task ExecuteAsync_FakeClockAdvanced_RecordsTaggedOperationsThroughTheMiddleware()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var services = Pipelines.Services(recorder, time);
        using var service = new DemoTrafficService(
            services,
            Options.Create(new DemoOptions { Enabled = true, RequestsPerSecond = 10, Seed = 42 }),
            NullLogger<DemoTrafficService>.Instance);

        await service.StartAsync(CancellationToken.None);
        // Step the fake clock until 300 operations were recorded. Task.Delay(TimeProvider) resumes on the thread
        // pool, so how much simulated time that takes depends on scheduling; the rate itself is tested on
        // DemoArrivals. Each step also waits a real millisecond so the service's continuations get a thread on a
        // busy 2-core machine (a pure Task.Yield loop once raced through every step before the service ran).
        // The real-time guard only stops a broken loop.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (recorder.Count < 300 && !guard.IsCancellationRequested)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(1);
        }

        await service.StopAsync(CancellationToken.None);

        var ops = recorder.Operations;
        Assert.True(ops.Count >= 300, $"only {ops.Count} operations recorded");
        Assert.All(ops, op => Assert.Equal(("demo", "development"), (op.Application, op.Environment)));
        Assert.All(ops, op => Assert.Matches("^user-0[0-4][0-9]$", op.UserId));
        Assert.All(ops, op => Assert.Contains(op.FunctionId, DemoTrafficService.FunctionIds));
        Assert.Equal(
            ["anthropic", "gcp.gemini", "mistral_ai", "openai"],
            ops.Select(op => op.Provider).Distinct().Order());
        Assert.Equal(8, ops.Select(op => op.RequestModel).Distinct().Count());
        Assert.Contains(ops, op => op.Operation == AiOperationKinds.Embeddings && op.RequestModel == "text-embedding-3-small");
        Assert.Contains(ops, op => op.Metadata?.ContainsKey("conciergus.streaming") == true);
        Assert.Contains(ops, op => op.Metadata is null);
        Assert.Contains(ops, op => op.Status == AiOperationStatus.Error);
        Assert.True(ops.Select(op => op.UserId).Distinct().Count() > 20);
        Assert.All(ops, op => Assert.True(op.DurationMs >= 0));

        // Each simulated request is a W3C trace: its calls are children of the request span, so the Traces page has data.
        Assert.All(ops, op => Assert.Matches("^[0-9a-f]{32}$", op.TraceId));
        Assert.All(ops, op => Assert.Matches("^[0-9a-f]{16}$", op.SpanId));
        Assert.All(ops, op => Assert.Matches("^[0-9a-f]{16}$", op.ParentSpanId));
        Assert.Contains(ops.GroupBy(op => op.TraceId), trace => trace.Count() == 2); // rag-search embeds, then chats
    }

    [Theory]
    [InlineData(4.0)]
    [InlineData(25.0)]
    public void DemoArrivals_OverSimulatedHours_AverageAboutTheConfiguredRateWithBursts(double requestsPerSecond)
    {
        var random = new Random(11);
        var start = Pipelines.Start;
        var arrivals = new DemoArrivals(random, requestsPerSecond, start);
        var now = start;
        var end = start.AddHours(6);
        long total = 0;
        var perTenSeconds = new Dictionary<long, int>();
        while (now < end)
        {
            now += arrivals.NextGap(now);
            total++;
            var window = (now - start).Ticks / TimeSpan.FromSeconds(10).Ticks;
            perTenSeconds[window] = perTenSeconds.GetValueOrDefault(window) + 1;
        }

        var rate = total / (end - start).TotalSeconds;
        Assert.InRange(rate, requestsPerSecond * 0.9, requestsPerSecond * 1.1);
        // Bursts: some 10 s windows run at well over twice the average.
        Assert.Contains(perTenSeconds.Values, count => count > 2.2 * requestsPerSecond * 10);
    }

    [Fact]
    public void AddConciergusDemo_Disabled_RegistersOptionsButNoHostedService()
    {
        var services = new ServiceCollection().AddConciergusDemo(Configuration(("Conciergus:Demo:RequestsPerSecond", "2")));

        Assert.DoesNotContain(services, d => d.ServiceType == typeof(IHostedService));
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<DemoOptions>>().Value;
        Assert.False(options.Enabled);
        Assert.Equal(2, options.RequestsPerSecond);
    }

    [Fact]
    public void AddConciergusDemo_Enabled_RegistersTheTrafficService()
    {
        var services = new ServiceCollection().AddConciergusDemo(Configuration(("Conciergus:Demo:Enabled", "true")));

        // The examples are seeded first, so the first demo calls already meet the experiment.
        var hosted = services.Where(d => d.ServiceType == typeof(IHostedService)).Select(d => d.ImplementationType).ToList();
        Assert.Equal([typeof(DemoSeedService), typeof(DemoTrafficService)], hosted);
    }

    [Fact]
    public void AddConciergusDemo_InvalidRate_ValidationSaysWhatIsWrong()
    {
        using var provider = new ServiceCollection()
            .AddConciergusDemo(Configuration(("Conciergus:Demo:RequestsPerSecond", "0")))
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DemoOptions>>().Value);

        Assert.Contains("RequestsPerSecond must be greater than 0", error.Message);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();
}
