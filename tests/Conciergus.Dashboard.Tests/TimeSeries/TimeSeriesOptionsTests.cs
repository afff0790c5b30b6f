using Conciergus.Core.TimeSeries;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.TimeSeries;

public sealed class TimeSeriesOptionsTests
{
    [Fact]
    public void Check_Defaults_AreValid()
    {
        Assert.Empty(TimeSeriesOptionsValidator.Check(new TimeSeriesOptions()));
    }

    [Theory]
    [InlineData("00:00:00", "00:15:00", "00:01:00", "2.00:00:00", "Resolutions:0:Step must be greater than zero")]
    [InlineData("00:00:01", "00:15:00.5", "00:01:00", "2.00:00:00", "Retention (00:15:00.5000000) must be a whole multiple of its Step")]
    [InlineData("00:01:00", "2.00:00:00", "00:00:01", "00:15:00", "must be listed finest first")]
    [InlineData("00:00:02", "00:15:00", "00:00:05", "2.00:00:00", "must be a whole multiple of the finer Step")]
    [InlineData("00:00:01", "01:00:00", "00:01:00", "00:30:00", "must reach at least as far back")]
    [InlineData("00:00:01", "365.00:00:00", "00:01:00", "400.00:00:00", "buckets per series")]
    public void Check_BadResolutions_SaysWhatIsWrong(string fineStep, string fineRetention, string coarseStep, string coarseRetention, string expected)
    {
        var options = new TimeSeriesOptions
        {
            Resolutions =
            [
                new() { Step = TimeSpan.Parse(fineStep), Retention = TimeSpan.Parse(fineRetention) },
                new() { Step = TimeSpan.Parse(coarseStep), Retention = TimeSpan.Parse(coarseRetention) },
            ],
        };

        var failures = TimeSeriesOptionsValidator.Check(options);

        Assert.Contains(failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Check_BadLimits_ListsEveryProblem()
    {
        var options = new TimeSeriesOptions { Resolutions = [], MaxSeriesPerDimension = 0, MaxUsersPerDay = 0, UserLedgerDays = 0 };

        var failures = TimeSeriesOptionsValidator.Check(options);

        Assert.Equal(4, failures.Count);
        Assert.Contains(failures, f => f.Contains("at least one resolution", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MaxSeriesPerDimension must be at least 1", StringComparison.Ordinal));
    }

    [Fact]
    public void AddConciergusTimeSeries_ConfiguredResolutions_ReplaceDefaults()
    {
        using var provider = Build(new()
        {
            ["Conciergus:TimeSeries:Resolutions:0:Step"] = "00:00:10",
            ["Conciergus:TimeSeries:Resolutions:0:Retention"] = "01:00:00",
            ["Conciergus:TimeSeries:MaxSeriesPerDimension"] = "7",
        });

        var options = provider.GetRequiredService<IOptions<TimeSeriesOptions>>().Value;
        var cache = provider.GetRequiredService<TimeSeriesCache>();

        Assert.Equal(TimeSpan.FromSeconds(10), Assert.Single(options.Resolutions).Step);
        Assert.Equal(7, options.MaxSeriesPerDimension);
        Assert.Equal([TimeSpan.FromSeconds(10)], cache.Steps);
        Assert.Same(cache, provider.GetRequiredService<TimeSeriesCache>());
        Assert.NotNull(provider.GetRequiredService<UserCostLedger>());
    }

    [Fact]
    public void AddConciergusTimeSeries_InvalidConfiguration_FailsWithMessage()
    {
        using var provider = Build(new() { ["Conciergus:TimeSeries:MaxSeriesPerDimension"] = "0" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TimeSeriesOptions>>().Value);

        Assert.Contains("MaxSeriesPerDimension must be at least 1", error.Message);
    }

    [Fact]
    public void AddConciergusTimeSeries_ExistingTimeProvider_IsKept()
    {
        var clock = new FakeTimeProvider();
        var services = new ServiceCollection().AddSingleton<TimeProvider>(clock);

        services.AddConciergusTimeSeries(new ConfigurationBuilder().Build());
        using var provider = services.BuildServiceProvider();

        Assert.Same(clock, provider.GetRequiredService<TimeProvider>());
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddConciergusTimeSeries(configuration).BuildServiceProvider();
    }
}
