using Conciergus.Dashboard.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Conciergus.Dashboard.Tests.Metrics;

public sealed class SelfTelemetryTests
{
    [Fact]
    public void AddConciergusSelfTelemetry_NoEndpoint_RegistersNothing()
    {
        var services = new ServiceCollection();

        services.AddConciergusSelfTelemetry(new ConfigurationBuilder().Build());

        Assert.Empty(services);
    }

    [Fact]
    public void AddConciergusSelfTelemetry_EndpointSet_RegistersTracerProvider()
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [MetricsServiceCollectionExtensions.OtlpEndpointKey] = "http://127.0.0.1:4318" })
            .Build();

        services.AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddConciergusSelfTelemetry(configuration);
        using var provider = services.BuildServiceProvider();

        Assert.NotNull(provider.GetService<TracerProvider>());
    }
}
