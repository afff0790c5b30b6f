using Conciergus.Core.Audit;
using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Audit;

public sealed class ContentRedactorTests
{
    // Card numbers are the card networks' published test numbers (Luhn-valid); "…1112" and "…0004" fail the Luhn check
    // (checked by hand: 4111 1111 1111 1111 sums to 30, 4111 1111 1111 1112 to 31).
    [Theory]
    [InlineData("Write to jane.doe@example.com today", "Write to [email] today")]
    [InlineData("cc: a_b+tag@mail.example.co.uk.", "cc: [email].")]
    [InlineData("Call +1 (415) 555-0132 now", "Call [phone] now")]
    [InlineData("London: +44 20 7946 0958", "London: [phone]")]
    [InlineData("office 030 1234 5678", "office [phone]")]
    [InlineData("my card is 4111 1111 1111 1111, thanks", "my card is [card], thanks")]
    [InlineData("amex 378282246310005", "amex [card]")]
    [InlineData("mastercard 5555-5555-5555-4444", "mastercard [card]")]
    [InlineData("not a card 4111 1111 1111 1112", "not a card 4111 1111 1111 1112")]
    [InlineData("order 4000000000000004", "order 4000000000000004")]
    [InlineData("key sk-proj-abcdefghijklmnop1234567890", "key [key]")]
    [InlineData("anthropic sk-ant-api03-AbCdEf123456_-xyz", "anthropic [key]")]
    [InlineData("aws AKIAIOSFODNN7EXAMPLE here", "aws [key] here")]
    [InlineData("token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "token [key]")]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "Authorization: Bearer [key]")]
    [InlineData("sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "sha [key]")]
    [InlineData("The meeting is on 2026-11-27 at 12:00 in room 42.", "The meeting is on 2026-11-27 at 12:00 in room 42.")]
    [InlineData("Server 192.168.100.200 answered 503 after 1500 ms", "Server 192.168.100.200 answered 503 after 1500 ms")]
    [InlineData("Summarize the quarterly report in three bullet points.", "Summarize the quarterly report in three bullet points.")]
    [InlineData("", "")]
    public void RedactText_Table(string input, string expected)
    {
        Assert.Equal(expected, ContentRedactor.RedactText(input));
    }

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("4111111111111112", false)]
    [InlineData("378282246310005", true)]
    [InlineData("6011 1111 1111 1117", true)]
    [InlineData("123456789012", false)] // 12 digits: too short
    public void IsCard_LuhnAndLength(string candidate, bool expected)
    {
        Assert.Equal(expected, ContentRedactor.IsCard(candidate));
    }

    [Fact]
    public void RedactorProvider_ContentClassification_UsesContentRedactor()
    {
        using var services = Services(captureContent: true);
        var redactor = services.GetRequiredService<IRedactorProvider>().GetRedactor(new DataClassificationSet(ConciergusClassifications.Content));

        Assert.IsType<ContentRedactor>(redactor);
        Assert.Equal("mail [email]", redactor.Redact("mail x@y.io"));
        Assert.Equal("Conciergus:Content", ConciergusClassifications.Content.ToString());
    }

    [Theory]
    [InlineData(false, "mail x@y.io", null)]
    [InlineData(true, "mail x@y.io", "mail [email]")]
    [InlineData(true, null, null)]
    public void PrepareForStorage_FollowsCaptureContent(bool capture, string? text, string? expected)
    {
        using var services = Services(capture);
        var policy = services.GetRequiredService<ContentCapturePolicy>();

        Assert.Equal(capture, policy.CaptureContent);
        Assert.Equal(expected, policy.PrepareForStorage(text));
    }

    private static ServiceProvider Services(bool captureContent)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Conciergus:Privacy:CaptureContent"] = captureContent ? "true" : "false" })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddConciergusAudit(configuration);
        return services.BuildServiceProvider();
    }
}
