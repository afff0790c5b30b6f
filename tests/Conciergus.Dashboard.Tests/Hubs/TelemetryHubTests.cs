using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using Conciergus.Dashboard.Hubs;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.AspNetCore.SignalR.Client;

namespace Conciergus.Dashboard.Tests.Hubs;

/// <summary>/hubs/telemetry over real Kestrel sockets with the .NET SignalR client.</summary>
public sealed class TelemetryHubTests
{
    [Fact]
    public async Task Summary_OperationPosted_ReachesAConnectedClient()
    {
        // Arrange
        await using var factory = new ConciergusAppFactory(new() { ["Conciergus:Hub:InstanceId"] = "solo" }, realClock: true);
        var baseAddress = factory.StartKestrel();
        await using var connection = Connect(baseAddress);
        var messages = Listen(connection);
        await connection.StartAsync();

        // Act
        await PostAsync(baseAddress, "gpt-4o");

        // Assert: a summary from this instance that counts the operation
        var message = await WaitForAsync(messages, m => m.GetProperty("summary").GetProperty("requests").GetInt64() >= 1);
        Assert.Equal("solo", message.GetProperty("instanceId").GetString());
        Assert.True(message.GetProperty("sequence").GetInt64() >= 1);
        Assert.Equal(300, message.GetProperty("windowSeconds").GetDouble());
    }

    [Fact]
    public async Task Backplane_ClientOnInstanceB_ReceivesWhatInstanceAPublishes()
    {
        // Arrange: a real redis-server on a free loopback port, two app instances sharing it
        using var redis = RedisServer.StartOrNull();
        if (redis is null)
        {
            // On CI redis-server is installed by .ci/run: a missing one is a failure there, not a skip.
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), "redis-server is not installed (apt-get install -y redis-server)");
            return;
        }

        Dictionary<string, string?> Settings(string id) => new()
        {
            ["Conciergus:Redis:ConnectionString"] = $"127.0.0.1:{redis.Port}",
            ["Conciergus:Hub:InstanceId"] = id,
        };
        await using var a = new ConciergusAppFactory(Settings("instance-a"), realClock: true);
        await using var b = new ConciergusAppFactory(Settings("instance-b"), realClock: true);
        var addressA = a.StartKestrel();
        var addressB = b.StartKestrel();
        await using var connection = Connect(addressB);
        var messages = Listen(connection);
        await connection.StartAsync();

        // Act: the operation goes to A only
        await PostAsync(addressA, "claude-sonnet-4-5");

        // Assert: B's client hears A's summary (tagged with A's id) through Redis; B's own stream stays empty
        var fromA = await WaitForAsync(messages, m => m.GetProperty("instanceId").GetString() == "instance-a" && m.GetProperty("summary").GetProperty("requests").GetInt64() == 1);
        Assert.Equal(1, fromA.GetProperty("version").GetInt64());
        var fromB = await WaitForAsync(messages, m => m.GetProperty("instanceId").GetString() == "instance-b");
        Assert.Equal(0, fromB.GetProperty("summary").GetProperty("requests").GetInt64());
    }

    private static HubConnection Connect(Uri baseAddress) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, TelemetryHub.Route), o => o.Headers.Add("X-Api-Key", ConciergusAppFactory.ApiKeys[Conciergus.Dashboard.Security.ConciergusRole.Viewer]))
            .Build();

    private static Channel<JsonElement> Listen(HubConnection connection)
    {
        var channel = Channel.CreateUnbounded<JsonElement>();
        connection.On<JsonElement>(TelemetryHubMethods.Summary, m => channel.Writer.TryWrite(m));
        return channel;
    }

    private static async Task PostAsync(Uri baseAddress, string model)
    {
        using var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);
        var response = await client.PostAsJsonAsync("/api/v1/operations", new object[] { new { model, provider = "openai", durationMs = 250, inputTokens = 10, outputTokens = 5 } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static async Task<JsonElement> WaitForAsync(Channel<JsonElement> messages, Func<JsonElement, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var message in messages.Reader.ReadAllAsync(timeout.Token))
        {
            if (match(message))
            {
                return message;
            }
        }

        throw new InvalidOperationException("unreachable");
    }

    /// <summary>A throwaway redis-server (no persistence) on a free loopback port, killed by PID on Dispose.</summary>
    private sealed class RedisServer : IDisposable
    {
        private readonly Process _process;

        private RedisServer(Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; }

        public static RedisServer? StartOrNull()
        {
            var path = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
            if (path is null)
            {
                return null;
            }

            var port = LoopbackPort.Free();
            var process = Process.Start(new ProcessStartInfo(path)
            {
                ArgumentList = { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new RedisServer(process, port);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    using var probe = new TcpClient();
                    probe.Connect(IPAddress.Loopback, port);
                    return server;
                }
                catch (SocketException)
                {
                    Thread.Sleep(50); // waiting for an external process to listen; no clock to advance here
                }
            }

            server.Dispose();
            throw new InvalidOperationException($"redis-server did not listen on port {port} within 10 s");
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            _process.Dispose();
        }
    }
}
