using System.Text.RegularExpressions;
using Conciergus.Core.Analytics;

namespace Conciergus.Dashboard.Tests.Analytics;

public sealed class RedactTests
{
    [Fact]
    public void Redact_PatternTimesOut_ReturnsRedactedInsteadOfThrowing()
    {
        // A busy machine: the pattern step exceeds its match timeout.
        var result = AnalyticsService.Redact("contact bob@example.com", _ => throw new RegexMatchTimeoutException("bob@example.com", "pattern", TimeSpan.FromMilliseconds(100)));

        Assert.Equal("[redacted]", result);
    }

    [Theory]
    [InlineData("mail bob@example.com now", "mail [email] now")]
    [InlineData("key sk-abcdefghijklmnop rejected", "key [key] rejected")]
    [InlineData("call +44 20 7946 0958", "call [number]")]
    [InlineData(null, null)]
    [InlineData("", "")]
    public void Redact_Messages_HideWhatMustNotBeShown(string? message, string? expected) =>
        Assert.Equal(expected, AnalyticsService.Redact(message));
}
