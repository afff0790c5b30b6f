using Bunit;
using Conciergus.Core.Ingestion;
using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Dashboard.Components.Health;
using Conciergus.Dashboard.Tests.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Tests.Ingestion;

/// <summary>The health page's ingestion panel shows the OTLP counters and the back-pressure refusals.</summary>
public sealed class IngestionStatsPanelTests : DashboardTestContext
{
    private readonly OtlpIngestionStats _stats = new();
    private readonly IngestionGate _gate = new(Options.Create(new IngestionOptions { MaxConcurrentRequests = 1 }));

    public IngestionStatsPanelTests()
    {
        Services.AddSingleton(_stats);
        Services.AddSingleton(_gate);
    }

    [Fact]
    public void Render_NothingRefused_ShowsCountsAndOk()
    {
        _stats.Request(2048);
        _stats.Spans(accepted: 40, rejected: 0);

        var panel = Render<IngestionStatsPanel>();

        Assert.Equal("ok", panel.Find("[data-testid=ingestion-verdict]").TextContent.Trim());
        Assert.Contains("40 accepted", panel.Find("[data-field=otlp-spans]").TextContent, StringComparison.Ordinal);
        Assert.Contains("0 of 1 requests in flight", panel.Find("[data-field=backpressure]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_AfterThrottlingAndRejectedSpans_ShowsRefusing()
    {
        Assert.True(_gate.TryEnter(IngestionEndpoint.Otlp));
        Assert.False(_gate.TryEnter(IngestionEndpoint.Otlp));
        Assert.False(_gate.TryEnter(IngestionEndpoint.Json));
        _stats.Spans(accepted: 3, rejected: 2);

        var panel = Render<IngestionStatsPanel>();

        Assert.Equal("refusing", panel.Find("[data-testid=ingestion-verdict]").TextContent.Trim());
        var backpressure = panel.Find("[data-field=backpressure]").TextContent;
        Assert.Contains("1 of 1 requests in flight", backpressure, StringComparison.Ordinal);
        Assert.Contains("2 refused with 429 (1 OTLP, 1 JSON)", backpressure, StringComparison.Ordinal);
        Assert.Contains("2 rejected (partial success)", panel.Find("[data-field=otlp-spans]").TextContent, StringComparison.Ordinal);
    }
}
