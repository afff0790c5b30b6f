using Bunit;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Pages;

namespace Conciergus.Dashboard.Tests.Alerts.Pages;

public sealed class AlertReceiversTests : AlertPageTestContext
{
    [Fact]
    public void Save_NameAndUrl_AddsTheReceiver()
    {
        var cut = Render<AlertReceivers>();
        Assert.NotNull(cut.Find("[data-testid=receivers-empty]"));

        Set(cut, "receiver-name", "ops");
        Set(cut, "receiver-url", "https://hooks.example/ops");
        cut.Find("[data-testid=receiver-save]").Click();

        Assert.Equal("https://hooks.example/ops", Alerts.ReceiverList.Single(r => r.Name == "ops").Url);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=receiver-row-ops]")));
    }

    [Fact]
    public void Test_Receiver_ShowsTheResult()
    {
        Alerts.ReceiverList.Add(new AlertReceiver { Name = "ops", Url = "https://hooks.example/ops" });
        var cut = Render<AlertReceivers>();

        cut.Find("[data-testid=receiver-test-ops]").Click();

        Assert.Equal("delivered · HTTP 200", Text(cut, "receiver-test-result-ops"));
        Assert.Equal("receiver.test", Alerts.Calls.Single().Action);
    }

    [Fact]
    public void Delete_ConfiguredReceiver_IsNotOffered()
    {
        Alerts.ReceiverList.Add(new AlertReceiver { Name = "config", Url = "https://hooks.example/c", FromConfiguration = true });
        Alerts.ReceiverList.Add(new AlertReceiver { Name = "api", Url = "https://hooks.example/a" });
        var cut = Render<AlertReceivers>();

        Assert.Empty(cut.FindAll("[data-testid=receiver-delete-config]"));
        cut.Find("[data-testid=receiver-delete-api]").Click();
        cut.Find("[data-testid=receiver-delete-yes-api]").Click();

        Assert.Equal(["config"], Alerts.ReceiverList.Select(r => r.Name));
    }

    [Fact]
    public void Render_Deliveries_ShowsFailures()
    {
        Alerts.DeliveryList.Add(new AlertDelivery
        {
            Id = "d1", Receiver = "ops", GroupKey = "{}:{}", Status = "firing", Fingerprints = ["0123456789abcdef"], At = Start,
            Attempts = 3, Succeeded = false, HttpStatus = 503, Error = "Service Unavailable",
        });

        var cut = Render<AlertReceivers>();

        var row = cut.Find("[data-delivery=d1]");
        Assert.Equal("false", row.GetAttribute("data-succeeded"));
        Assert.Contains("HTTP 503", row.TextContent, StringComparison.Ordinal);
    }
}
