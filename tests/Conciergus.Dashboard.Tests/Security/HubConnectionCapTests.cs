using System.Net;
using Conciergus.Dashboard.Hubs;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>Issue 15 item 14: one API key (or one user) cannot hold more hub connections than configured.</summary>
public sealed class HubConnectionCapTests
{
    [Fact]
    public async Task Hub_OneKeyOverItsCap_IsRefusedWithAClearErrorUntilOneCloses()
    {
        // Arrange
        await using var factory = new ConciergusAppFactory(new() { ["Conciergus:Hub:MaxConnectionsPerKey"] = "3" }, realClock: true);
        var address = factory.StartKestrel();
        var open = new List<HubConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var connection = Connect(address, ConciergusAppFactory.ApiKeys[ConciergusRole.Viewer]);
                await connection.StartAsync();
                open.Add(connection);
            }

            // The client's StartAsync returns at the handshake, before the server's OnConnectedAsync counted the
            // connection: wait until the server holds all three, or the fourth could race ahead of the third.
            var limiter = factory.Services.GetRequiredService<HubConnectionLimiter>();
            var owner = "key:" + factory.Services.GetRequiredService<ApiKeyStore>().Validate(ConciergusAppFactory.ApiKeys[ConciergusRole.Viewer])!.Value.Id;
            await WaitUntilAsync(() => limiter.Count(owner) == 3);

            // Act: the fourth connection of the same key; another key is not affected.
            await using var fourth = Connect(address, ConciergusAppFactory.ApiKeys[ConciergusRole.Viewer]);
            // Refused at negotiate (429), or, when it raced past negotiate, at the WebSocket upgrade (429 instead of 101).
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => fourth.StartAsync());
            await using var otherKey = Connect(address, ConciergusAppFactory.ApiKeys[ConciergusRole.Operator]);
            await otherKey.StartAsync();

            // Assert: 429 naming the cap; after one closes, the key may connect again.
            Assert.True(
                refused is HttpRequestException { StatusCode: HttpStatusCode.TooManyRequests } || refused.ToString().Contains("status code '429'", StringComparison.Ordinal),
                refused.ToString());
            Assert.Equal(HubConnectionState.Connected, otherKey.State);
            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await using var again = Connect(address, ConciergusAppFactory.ApiKeys[ConciergusRole.Viewer]);
            await StartWhenAdmittedAsync(again);
            Assert.Equal(HubConnectionState.Connected, again.State);
        }
        finally
        {
            foreach (var connection in open)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public void Limiter_ConcurrentAcquires_NeverExceedTheCap()
    {
        var limiter = new HubConnectionLimiter(Microsoft.Extensions.Options.Options.Create(new TelemetryHubOptions()));

        var admitted = 0;
        Parallel.For(0, 1000, _ =>
        {
            if (limiter.TryAcquire("key:k1", 20))
            {
                Interlocked.Increment(ref admitted);
            }
        });
        limiter.Release("key:k1");

        Assert.Equal(20, admitted);
        Assert.Equal(19, limiter.Count("key:k1"));
        Assert.Contains("MaxConnectionsPerKey", HubConnectionLimiter.Refusal("key:k1", 20), StringComparison.Ordinal);
    }

    private static HubConnection Connect(Uri address, string apiKey) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(address, TelemetryHub.Route), HttpTransportType.WebSockets, o => o.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, apiKey))
            .Build();

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var attempt = 0; !condition(); attempt++)
        {
            Assert.True(attempt < 1200, "the server did not count the three open connections within 60 s");
            await Task.Delay(50); // waiting for the server's OnConnectedAsync, not for time to pass
        }
    }

    // The server counts a closed connection in OnDisconnectedAsync, a moment after the client's close: try until it did.
    private static async Task StartWhenAdmittedAsync(HubConnection connection)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await connection.StartAsync();
                return;
            }
            catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.TooManyRequests && attempt < 100)
            {
                await Task.Delay(50); // waiting for the server to see the close, not for time to pass
            }
        }
    }
}
