using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Conciergus.Dashboard.Hubs;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.AspNetCore.SignalR.Client;

namespace Conciergus.Dashboard.Tests.Alerts;

/// <summary>Alert changes reach /hubs/telemetry clients as "alert" messages (real Kestrel, real clock, 1 s interval).</summary>
public sealed class AlertHubTests
{
    [Fact]
    public async Task Alert_RuleFires_PushedToHubClient()
    {
        await using var factory = new ConciergusAppFactory(new() { ["Conciergus:Alerts:EvaluationInterval"] = "00:00:01" }, realClock: true);
        var baseAddress = factory.StartKestrel();
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, TelemetryHub.Route), o => o.Headers.Add("X-Api-Key", ConciergusAppFactory.ApiKeys[ConciergusRole.Viewer]))
            .Build();
        var messages = Channel.CreateUnbounded<JsonElement>();
        connection.On<JsonElement>(TelemetryHubMethods.Alert, m => messages.Writer.TryWrite(m));
        await connection.StartAsync();
        using var admin = new HttpClient { BaseAddress = baseAddress };
        admin.DefaultRequestHeaders.Add("X-Api-Key", ConciergusAppFactory.ApiKeys[ConciergusRole.Admin]);
        var created = await admin.PostAsync("/api/v1/alert-rules", new StringContent(
            """{"name": "Any traffic", "metric": "request_rate", "window": "1h", "operator": ">", "threshold": 0, "severity": "low"}""", Encoding.UTF8, "application/json"));
        created.EnsureSuccessStatusCode();
        using var ingest = new HttpClient { BaseAddress = baseAddress };
        ingest.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);
        (await ingest.PostAsJsonAsync("/api/v1/operations", new[] { new { model = "gpt-4o", durationMs = 5, status = "ok" } })).EnsureSuccessStatusCode();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        JsonElement alert = default;
        await foreach (var message in messages.Reader.ReadAllAsync(timeout.Token))
        {
            var firing = message.GetProperty("alerts").EnumerateArray().FirstOrDefault(a => a.GetProperty("ruleName").GetString() == "Any traffic" && a.GetProperty("state").GetString() == "firing");
            if (firing.ValueKind == JsonValueKind.Object)
            {
                alert = firing;
                Assert.Equal(1, message.GetProperty("firing").GetInt32());
                break;
            }
        }

        Assert.Equal("low", alert.GetProperty("severity").GetString());
        Assert.Equal("Any traffic", alert.GetProperty("labels").GetProperty("alertname").GetString());
    }
}
