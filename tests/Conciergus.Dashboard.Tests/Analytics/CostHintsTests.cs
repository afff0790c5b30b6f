using Conciergus.Core.Analytics;
using Conciergus.Core.Pricing;
using Conciergus.Dashboard.Tests.Live;

namespace Conciergus.Dashboard.Tests.Analytics;

public sealed class CostHintsTests : IAsyncDisposable
{
    private static readonly PriceCatalog Catalog = PriceCatalog.CreateBuiltIn();
    private readonly LiveTestHost _host = new();

    [Fact]
    public void CostHints_MixOfChatAndEmbeddingTraffic_NeverCrossOperationTypesOrClasses()
    {
        // Arrange: the issue's mix. Before, claude-sonnet-4-5 chat was sent to text-embedding-3-small ("saving $2.25").
        Traffic("anthropic", "claude-sonnet-4-5", "chat", input: 2_000, output: 600);
        Traffic("anthropic", "claude-haiku-4-5", "chat", input: 2_000, output: 600);
        Traffic("openai", "gpt-4o-mini", "chat", input: 2_000, output: 600);
        Traffic("openai", "text-embedding-3-large", "embeddings", input: 800, output: 0);
        Traffic("openai", "text-embedding-3-small", "embeddings", input: 800, output: 0);

        // Act
        var hints = _host.Analytics.CostHints(TimeSpan.FromHours(1), Catalog).Where(h => h.Kind == CostHintKind.CheaperModel).ToList();

        // Assert: each suggestion stays within its operation and capability class
        Assert.NotEmpty(hints);
        Assert.All(hints, h => Assert.Equal(ClassOf(h.FromModel!), ClassOf(h.ToModel!)));
        Assert.All(hints, h => Assert.Equal(ModelClasses.Operation(ClassOf(h.FromModel!)), ModelClasses.Operation(ClassOf(h.ToModel!))));
        Assert.Contains(hints, h => (h.FromModel, h.ToModel) == ("openai/text-embedding-3-large", "openai/text-embedding-3-small"));
        Assert.Contains(hints, h => (h.FromModel, h.ToModel) == ("anthropic/claude-haiku-4-5", "openai/gpt-4o-mini"));
        Assert.DoesNotContain(hints, h => h.FromModel == "anthropic/claude-sonnet-4-5"); // no cheaper frontier chat model qualifies
        Assert.All(hints, h => Assert.False(h.Untested));
        Assert.All(hints, h => Assert.Contains("Same token counts", h.Assumptions, StringComparison.Ordinal));
        Assert.All(hints, h => Assert.Matches(@"@\d{4}-\d{2}-\d{2}", h.Assumptions!)); // the list prices' dates
    }

    [Fact]
    public void CostHints_SameTokensRepriced_SavingIsTheListPriceDifference()
    {
        // 30 x 800 = 24,000 input tokens: text-embedding-3-large $0.13/1M -> $0.00312, -small $0.02/1M -> $0.00048.
        Traffic("openai", "text-embedding-3-large", "embeddings", input: 800, output: 0);
        Traffic("openai", "text-embedding-3-small", "embeddings", input: 800, output: 0);

        var hint = Assert.Single(_host.Analytics.CostHints(TimeSpan.FromHours(1), Catalog), h => h.Kind == CostHintKind.CheaperModel);

        Assert.Equal(0.0026m, hint.EstimatedSavingsUsd); // 0.00264, rounded to 4 decimals
    }

    [Fact]
    public void CostHints_NoModelOfTheClassServedHere_SuggestionSaysUntested()
    {
        Traffic("anthropic", "claude-opus-4-1", "chat", input: 2_000, output: 600);
        Traffic("anthropic", "claude-haiku-4-5", "chat", input: 2_000, output: 600, latencyMs: 200);

        var hint = Assert.Single(_host.Analytics.CostHints(TimeSpan.FromHours(1), Catalog), h => h.FromModel == "anthropic/claude-opus-4-1");

        Assert.True(hint.Untested);
        Assert.Contains("untested", hint.Title, StringComparison.Ordinal);
        Assert.Equal(ModelClass.FrontierChat, ClassOf(hint.ToModel!)); // never the cheaper, faster haiku of another class
    }

    [Fact]
    public void CostHints_WithoutCatalog_SuggestsNoModel()
    {
        Traffic("openai", "text-embedding-3-large", "embeddings", input: 800, output: 0);
        Traffic("openai", "text-embedding-3-small", "embeddings", input: 800, output: 0);

        Assert.DoesNotContain(_host.Analytics.CostHints(TimeSpan.FromHours(1)), h => h.Kind == CostHintKind.CheaperModel);
    }

    private void Traffic(string provider, string model, string operation, long input, long output, double latencyMs = 500)
    {
        for (var i = 0; i < 30; i++)
        {
            _host.Record(model: model, provider: provider, operationKind: operation, inputTokens: input, outputTokens: output,
                durationMs: latencyMs, costUsd: 0.01m, endsAgo: TimeSpan.FromSeconds(i));
        }
    }

    private static ModelClass ClassOf(string providerAndModel)
    {
        var slash = providerAndModel.IndexOf('/', StringComparison.Ordinal);
        var pricing = Catalog.Find(providerAndModel[..slash], providerAndModel[(slash + 1)..]);
        return ModelClasses.Of(pricing!) ?? throw new InvalidOperationException($"{providerAndModel} has no class");
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
