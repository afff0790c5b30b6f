using Conciergus.Dashboard.Components;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class FormattingTests
{
    // Expected strings are worked out by hand: three significant digits, rounded half away from zero.
    [Theory]
    [InlineData(0, "0")]
    [InlineData(7, "7")]
    [InlineData(999, "999")]
    [InlineData(12.345, "12.3")]
    [InlineData(0.5, "0.5")]
    [InlineData(999.7, "1k")]
    [InlineData(1_000, "1k")]
    [InlineData(1_234, "1.23k")]
    [InlineData(1_500, "1.5k")]
    [InlineData(12_345, "12.3k")]
    [InlineData(123_456, "123k")]
    [InlineData(999_600, "1M")]
    [InlineData(1_234_567, "1.23M")]
    [InlineData(45_600_000_000, "45.6B")]
    [InlineData(2e12, "2T")]
    [InlineData(-1_234, "-1.23k")]
    public void Compact_Value_ThreeSignificantDigitsWithSuffix(double value, string expected) =>
        Assert.Equal(expected, Formatting.Compact(value));

    [Fact]
    public void Compact_NaN_Missing() => Assert.Equal(Formatting.Missing, Formatting.Compact(double.NaN));

    [Theory]
    [InlineData(0, "0/s")]
    [InlineData(0.1, "0.1/s")]
    [InlineData(1.0 / 15, "0.0667/s")]
    [InlineData(4.25, "4.25/s")]
    [InlineData(12.34, "12.3/s")]
    [InlineData(250, "250/s")]
    [InlineData(1_234, "1.23k/s")]
    public void Rate_PerSecond_Formatted(double perSecond, string expected) =>
        Assert.Equal(expected, Formatting.Rate(perSecond));

    [Theory]
    [InlineData(0, "0%")]
    [InlineData(0.0004, "0.04%")]
    [InlineData(0.005, "0.5%")]
    [InlineData(0.025, "2.5%")]
    [InlineData(0.1, "10%")]
    [InlineData(0.123, "12%")]
    [InlineData(1, "100%")]
    public void Percent_Ratio_Formatted(double ratio, string expected) =>
        Assert.Equal(expected, Formatting.Percent(ratio));

    [Theory]
    [InlineData(0.42, "0.42 ms")]
    [InlineData(8.54, "8.5 ms")]
    [InlineData(245.4, "245 ms")]
    [InlineData(999.4, "999 ms")]
    [InlineData(999.6, "1.00 s")]
    [InlineData(1_250, "1.25 s")]
    [InlineData(12_500, "12.5 s")]
    [InlineData(125_000, "2m 05s")]
    [InlineData(3_725_000, "1h 02m")]
    public void Duration_Milliseconds_MsOrSeconds(double ms, string expected) =>
        Assert.Equal(expected, Formatting.Duration(ms));

    [Fact]
    public void Duration_Null_Missing() => Assert.Equal(Formatting.Missing, Formatting.Duration(null));

    [Theory]
    [InlineData("0", "$0.00")]
    [InlineData("0.00004", "<$0.0001")]
    [InlineData("0.0042", "$0.0042")]
    [InlineData("0.00425", "$0.0043")]
    [InlineData("0.3", "$0.30")]
    [InlineData("12.345", "$12.35")]
    [InlineData("999.99", "$999.99")]
    [InlineData("12345.6", "$12,346")]
    [InlineData("1234567", "$1.23M")]
    [InlineData("-2.5", "-$2.50")]
    public void Usd_Amount_SensibleDecimals(string amount, string expected) =>
        Assert.Equal(expected, Formatting.Usd(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData(30, "30 s")]
    [InlineData(300, "5 min")]
    [InlineData(5_400, "90 min")]
    [InlineData(3_600, "1 h")]
    [InlineData(86_400, "24 h")]
    [InlineData(604_800, "7 d")]
    public void Window_Seconds_Label(int seconds, string expected) =>
        Assert.Equal(expected, Formatting.Window(TimeSpan.FromSeconds(seconds)));
}
