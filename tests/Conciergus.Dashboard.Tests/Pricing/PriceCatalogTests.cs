using Conciergus.Core.Model;
using Conciergus.Core.Pricing;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

using static Conciergus.Dashboard.Tests.Pricing.PricingTestData;

namespace Conciergus.Dashboard.Tests.Pricing;

public class PriceCatalogTests
{
    private const string OverrideJson = """
        {
          "models": [
            { "id": "gpt-4o", "provider": "openai",
              "prices": [ { "effectiveFrom": "2024-01-01", "input": 1.00, "output": 2.00, "_source": "negotiated enterprise price" } ] },
            { "id": "acme-large", "provider": "acme", "patterns": [ "acme-large-*" ],
              "prices": [ { "effectiveFrom": "2025-01-01", "input": 4.00, "output": 8.00 } ] }
          ]
        }
        """;

    [Theory]
    [InlineData("openai", "gpt-4o")]
    [InlineData("openai", "gpt-4o-2024-08-06")]
    [InlineData("openai", "gpt-4o-2024-11-20")]
    [InlineData("openai", "gpt-4o-mini")]
    [InlineData("openai", "gpt-4.1")]
    [InlineData("openai", "gpt-4.1-mini-2025-04-14")]
    [InlineData("openai", "gpt-4.1-nano")]
    [InlineData("openai", "o1")]
    [InlineData("openai", "o1-2024-12-17")]
    [InlineData("openai", "o3")]
    [InlineData("openai", "o3-mini")]
    [InlineData("openai", "o4-mini")]
    [InlineData("openai", "gpt-5")]
    [InlineData("openai", "gpt-5-mini-2025-08-07")]
    [InlineData("openai", "gpt-5-nano")]
    [InlineData("openai", "gpt-5-chat-latest")]
    [InlineData("openai", "text-embedding-3-small")]
    [InlineData("openai", "text-embedding-3-large")]
    [InlineData("openai", "text-embedding-ada-002")]
    [InlineData("azure.ai.openai", "gpt-35-turbo-0125")]
    [InlineData("anthropic", "claude-opus-4-1-20250805")]
    [InlineData("anthropic", "claude-opus-4-20250514")]
    [InlineData("anthropic", "claude-opus-4-5")]
    [InlineData("anthropic", "claude-sonnet-4-20250514")]
    [InlineData("anthropic", "claude-sonnet-4-5-20250929")]
    [InlineData("anthropic", "claude-haiku-4-5-20251001")]
    [InlineData("anthropic", "claude-3-5-haiku-latest")]
    [InlineData("anthropic", "claude-3-7-sonnet-20250219")]
    [InlineData("aws.bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0")]
    [InlineData("aws.bedrock", "global.anthropic.claude-haiku-4-5-20251001-v1:0")]
    [InlineData("gcp.vertex_ai", "claude-sonnet-4-5@20250929")]
    [InlineData("gcp.gemini", "gemini-2.5-pro")]
    [InlineData("gcp.gemini", "models/gemini-2.5-flash")]
    [InlineData("gcp.gen_ai", "gemini-2.5-flash-lite-preview-06-17")]
    [InlineData("gcp.vertex_ai", "gemini-2.0-flash-001")]
    [InlineData("google", "gemini-embedding-001")]
    [InlineData("google", "text-embedding-004")]
    [InlineData("mistral_ai", "mistral-large-latest")]
    [InlineData("mistral_ai", "mistral-medium-2505")]
    [InlineData("mistral_ai", "mistral-small-2503")]
    [InlineData("mistral_ai", "codestral-2501")]
    [InlineData("mistral_ai", "mistral-embed")]
    public void IsPriced_ModelsTheDashboardPromises_AreInTheBuiltInCatalog(string provider, string model)
    {
        Assert.True(PriceCatalog.CreateBuiltIn().IsPriced(provider, model), $"{provider}/{model} should be priced");
    }

    [Theory]
    // The most specific id wins; a longer sibling is never swallowed by a shorter prefix.
    [InlineData("gpt-4o-mini-2024-07-18", "gpt-4o-mini")]
    [InlineData("gpt-4o-2024-05-13", "gpt-4o-2024-05-13")]
    [InlineData("o3-mini-2025-01-31", "o3-mini")]
    [InlineData("claude-sonnet-4-5-20250929", "claude-sonnet-4-5")]
    [InlineData("claude-sonnet-4-20250514", "claude-sonnet-4")]
    [InlineData("gemini-2.5-flash-lite-preview-06-17", "gemini-2.5-flash-lite")]
    [InlineData("gemini-2.5-flash-preview-05-20", "gemini-2.5-flash")]
    [InlineData("GPT-4O-MINI", "gpt-4o-mini")]
    [InlineData("gpt-4-0125-preview", "gpt-4-turbo")]
    [InlineData("gpt-4-0613", "gpt-4")]
    public void Find_DatedOrCasedVariant_ResolvesToMostSpecificModel(string model, string expectedId)
    {
        Assert.Equal(expectedId, PriceCatalog.CreateBuiltIn().Find("openai", model)?.Id);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Find_HostileLongNames_AnswerLikeShortOnesWithoutATimeout(bool matching)
    {
        // Names that make a backtracking matcher work hard: a long run of version-like suffixes after a known prefix, a
        // long name for a pattern with a star, a long Bedrock-like prefix. The matching is linear (no match timeout to
        // fire on a loaded machine); `matching` false spoils each name's end so that nothing may match.
        var catalog = PriceCatalog.Create(WriteCatalog(OverrideJson));
        var end = matching ? "" : "!";
        var suffixes = string.Concat(Enumerable.Repeat("-2411-001", 30_000)) + end;
        var starred = "acme-large-" + new string('-', 200_000) + "v7" + end;
        var bedrock = string.Concat(Enumerable.Repeat("us.", 50_000)) + "anthropic.claude-sonnet-4-5" + end;

        Assert.Equal(matching ? "gpt-4o" : null, catalog.Find("openai", "gpt-4o" + suffixes)?.Id);
        Assert.Equal("acme-large", catalog.Find("acme", starred)?.Id); // the star takes any end
        Assert.Null(catalog.Find("aws.bedrock", bedrock)?.Id);
    }

    [Fact]
    public void Find_NamesInTurn_EachGetsItsOwnAnswerNotThePreviousOne()
    {
        // The last answer sits in front of the memo: names that alternate (cases, providers, unknown names) must each
        // get what a catalog that saw every name once gives.
        (string? Provider, string Model)[] names =
        [
            ("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("openai", "GPT-4O"), ("azure.ai.openai", "gpt-4o"), (null, "gpt-4o-2024-08-06"),
            ("openai", "no-such-model"), ("anthropic", "claude-sonnet-4-5-20250929"), ("gcp.gemini", "gemini-2.5-pro"),
        ];
        var reference = PriceCatalog.CreateBuiltIn();
        var expected = names.Select(n => reference.Find(n.Provider, n.Model)?.Id).ToArray();
        var catalog = PriceCatalog.CreateBuiltIn();
        var random = new Random(7);

        for (var i = 0; i < 2_000; i++)
        {
            var n = random.Next(names.Length);
            Assert.Equal(expected[n], catalog.Find(names[n].Provider, names[n].Model)?.Id);
        }
    }

    [Fact]
    public void Find_ManyThreadsNamesInTurn_EveryAnswerIsForItsOwnName()
    {
        string[] models = ["gpt-4o", "gpt-4o-mini", "claude-haiku-4-5", "no-such-model", "o3", "gemini-2.5-flash"];
        var reference = PriceCatalog.CreateBuiltIn();
        var expected = models.Select(m => reference.Find("openai", m)?.Id).ToArray();
        var catalog = PriceCatalog.CreateBuiltIn();
        var wrong = 0;

        Parallel.For(0, 8, worker =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                var n = (i + worker) % models.Length;
                if (catalog.Find("openai", models[n])?.Id != expected[n])
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        });

        Assert.Equal(0, wrong);
    }

    [Fact]
    public void Find_TwoCatalogsInTurn_EachAnswersFromItsOwnModels()
    {
        // A changed price file makes a new catalog: its answers must not come from the other catalog's last answer.
        var builtIn = PriceCatalog.CreateBuiltIn();
        var overridden = PriceCatalog.Create(WriteCatalog(OverrideJson));
        var builtInGpt4o = builtIn.Models.Single(m => m.Id == "gpt-4o");
        var overriddenGpt4o = overridden.Models.Single(m => m.Id == "gpt-4o");
        Assert.NotSame(builtInGpt4o, overriddenGpt4o);

        for (var i = 0; i < 4; i++)
        {
            Assert.Same(builtInGpt4o, builtIn.Find("openai", "gpt-4o"));
            Assert.Same(overriddenGpt4o, overridden.Find("openai", "gpt-4o"));
        }
    }

    [Fact]
    public void Models_BuiltIn_AreConsistent()
    {
        var catalog = PriceCatalog.CreateBuiltIn();

        Assert.True(catalog.Models.Count >= 50);
        foreach (var model in catalog.Models)
        {
            foreach (var price in model.Prices)
            {
                Assert.True(price.Rates.Input > 0, $"{price.Version}: input price");
                Assert.True(price.Rates.CachedInput <= price.Rates.Input, $"{price.Version}: cache reads cost more than input");
                Assert.True(price.Rates.CacheCreation >= price.Rates.CachedInput, $"{price.Version}: cache writes cheaper than reads");
                Assert.True(model.Kind == ModelKind.Embedding || price.Rates.Output >= price.Rates.Input, $"{price.Version}: output cheaper than input");
                Assert.False(string.IsNullOrWhiteSpace(price.Source), $"{price.Version}: no _source");
                Assert.Equal($"{model.Id}@{price.EffectiveFrom:yyyy-MM-dd}", price.Version);
            }
        }
    }

    [Fact]
    public void Create_OverrideFile_ReplacesAndAddsModelsById()
    {
        var catalog = PriceCatalog.Create(WriteCatalog(OverrideJson));
        var calculator = new CostCalculator(catalog);

        // gpt-4o replaced entirely (1 / 2): 1M x 1 + 1M x 2 = 3; the built-in 2024-10-02 price is gone.
        var gpt4o = calculator.Calculate(Operation("gpt-4o", 1_000_000, 1_000_000, start: "2025-06-01"));
        // acme-large added, matched by its pattern (4 / 8): 1M x 4 + 1M x 8 = 12
        var acme = calculator.Calculate(Operation("acme-large-v7", 1_000_000, 1_000_000, provider: "acme", start: "2025-06-01"));

        Assert.Equal((3m, "gpt-4o@2024-01-01"), (gpt4o.CostUsd!.Value, gpt4o.PriceVersion));
        Assert.Equal(12m, acme.CostUsd);
        Assert.Single(catalog.Models, m => m.Id == "gpt-4o");
        Assert.True(catalog.IsPriced("anthropic", "claude-haiku-4-5"), "built-in models not in the override stay");
        Assert.False(PriceCatalog.CreateBuiltIn().IsPriced("acme", "acme-large-v7"));
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("""{ "models": {} }""", "\"models\" array")]
    [InlineData("""{ "models": [ { "id": "x", "provider": "p", "prices": [ { "effectiveFrom": "2025-01-01", "output": 1 } ] } ] }""", "\"input\"")]
    [InlineData("""{ "models": [ { "id": "x", "provider": "p", "prices": [ { "effectiveFrom": "01/02/2025", "input": 1, "output": 1 } ] } ] }""", "effectiveFrom")]
    [InlineData("""{ "models": [ { "id": "x", "provider": "p", "prices": [ { "effectiveFrom": "2025-01-01", "input": -1, "output": 1 } ] } ] }""", "non-negative")]
    [InlineData("""{ "models": [ { "id": "x", "provider": "p", "prices": [] } ] }""", "\"prices\"")]
    [InlineData("""{ "models": [ { "provider": "p", "prices": [ { "effectiveFrom": "2025-01-01", "input": 1, "output": 1 } ] } ] }""", "\"id\" is required")]
    [InlineData("""{ "models": [ { "id": "x", "provider": "p", "prices": [ { "effectiveFrom": "2025-01-01", "input": 1, "output": 1 }, { "effectiveFrom": "2025-01-01", "input": 2, "output": 2 } ] } ] }""", "also effective from 2025-01-01")]
    [InlineData("""{ "models": [ { "id": "x", "provider": "p", "patterns": [ "*" ], "prices": [ { "effectiveFrom": "2025-01-01", "input": 1, "output": 1 } ] } ] }""", "every model")]
    public void Create_BadOverrideFile_FailsWithClearMessage(string json, string expectedFragment)
    {
        var path = WriteCatalog(json);

        var error = Assert.Throws<InvalidDataException>(() => PriceCatalog.Create(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expectedFragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddConciergusPricing_ValidOverride_ResolvesCalculatorUsingIt()
    {
        using var services = BuildServices(WriteCatalog(OverrideJson));

        var calculator = services.GetRequiredService<ICostCalculator>();
        var result = calculator.Calculate(Operation("gpt-4o", 1_000_000, 0, start: "2025-06-01"));

        Assert.Equal(1m, result.CostUsd);
        Assert.Same(services.GetRequiredService<PriceCatalog>(), services.GetRequiredService<PriceCatalog>());
    }

    [Fact]
    public void AddConciergusPricing_MissingOverrideFile_FailsValidationNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), "conciergus-no-such-dir", "prices.json");
        using var services = BuildServices(path);

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<PricingOptions>>().Value);

        Assert.Contains("Conciergus:Pricing:CatalogPath", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddConciergusPricing_InvalidOverrideFile_FailsValidationWithTheParseError()
    {
        using var services = BuildServices(WriteCatalog("""{ "models": [ { "id": "x", "provider": "p", "prices": [ { "effectiveFrom": "2025-01-01", "input": "cheap", "output": 1 } ] } ] }"""));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<PricingOptions>>().Value);

        Assert.Contains("not a valid price catalog", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"input\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddConciergusPricing_NoOverride_UsesBuiltInCatalog()
    {
        using var services = BuildServices(catalogPath: null);

        var result = services.GetRequiredService<ICostCalculator>().Calculate(Operation("gpt-4o-mini", 1_000_000, 1_000_000));

        Assert.Equal((PricingStatus.Priced, 0.75m), (result.Status, result.CostUsd!.Value));
    }

    private static ServiceProvider BuildServices(string? catalogPath)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Conciergus:Pricing:CatalogPath"] = catalogPath })
            .Build();
        return new ServiceCollection().AddConciergusPricing(configuration).BuildServiceProvider();
    }
}
