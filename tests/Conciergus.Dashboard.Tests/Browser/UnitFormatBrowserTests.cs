using System.Text;
using Conciergus.Dashboard.Components;
using Microsoft.Playwright;

namespace Conciergus.Dashboard.Tests.Browser;

/// <summary>
/// Issue 22 item 3: the charts' axes and tooltips (charts.js formatValue, run in Chromium) read exactly as the KPI
/// tiles (Formatting.cs): "1.25 s" not "1250 ms", "$0.0042", "9.6%", "12.3k".
/// </summary>
[Collection(BrowserTestGroup.Name)]
public sealed class UnitFormatBrowserTests(ChromiumFixture chromium)
{
    public static TheoryData<string, double> Values => new()
    {
        { "ms", 0.42 }, { "ms", 8.5 }, { "ms", 245 }, { "ms", 999.4 }, { "ms", 1250 }, { "ms", 12_500 }, { "ms", 30_000 }, { "ms", 125_000 }, { "ms", 4_000_000 },
        { "USD", 0 }, { "USD", 0.00004 }, { "USD", 0.0042 }, { "USD", 0.05 }, { "USD", 12.34 }, { "USD", 12_345 }, { "USD", 1_230_000 },
        { "%", 0 }, { "%", 0.04 }, { "%", 2.5 }, { "%", 9.6 }, { "%", 12 }, { "%", 100 },
        { "req/s", 0 }, { "req/s", 0.05 }, { "req/s", 4.25 }, { "req/s", 12.3 }, { "req/s", 1234 },
        { "", 7 }, { "", 950 }, { "", 1234 }, { "", 12_345 }, { "", 1_234_567 },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public async Task FormatValue_ChartUnit_SameTextAsTiles(string unit, double value)
    {
        var page = await chromium.Browser.NewPageAsync();
        try
        {
            var module = Convert.ToBase64String(Encoding.UTF8.GetBytes(await File.ReadAllTextAsync(ChartsModulePath())));
            var js = await page.EvaluateAsync<string>(
                "async ([source, value, unit]) => (await import('data:text/javascript;base64,' + source)).formatValue(value, unit, 2)",
                new object[] { module, value, unit });

            var tile = unit switch
            {
                "ms" => Formatting.Duration(value),
                "USD" => Formatting.Usd((decimal)value),
                "%" => Formatting.Percent(value / 100),
                "req/s" => Formatting.Rate(value).Replace("/s", " req/s", StringComparison.Ordinal),
                _ => Formatting.Count((long)value),
            };
            Assert.Equal(tile, js);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    private static string ChartsModulePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "wwwroot-assets", "src", "charts.js");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("wwwroot-assets/src/charts.js not found above the test folder");
    }
}
