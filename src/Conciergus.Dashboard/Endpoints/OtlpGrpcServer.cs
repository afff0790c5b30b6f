using System.IO.Compression;
using System.Net;
using Conciergus.Core.Ingestion;
using Conciergus.Core.Ingestion.Otlp;
using Grpc.Core;
using Grpc.Net.Compression;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// The OTLP/gRPC receiver: a Kestrel server of its own (cleartext HTTP/2 on <see cref="OtlpOptions.GrpcEndpoint"/>)
/// serving the three OTLP collector services, started and stopped with the dashboard. Its own server, not one more
/// endpoint of the dashboard's: a Kestrel endpoint added in code would replace the addresses given by <c>--urls</c>,
/// and the dashboard's pipeline (cookies, antiforgery, pages) has nothing to do with gRPC. It shares the dashboard's
/// singletons (receiver, keys, gate, statistics), so both transports feed one store. A port that cannot be bound is
/// logged and shown (<see cref="Failure"/>); OTLP/HTTP keeps working.
/// </summary>
public sealed partial class OtlpGrpcServer(IServiceProvider services, IOptions<OtlpOptions> options, ILogger<OtlpGrpcServer> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The address the receiver listens on (the real port when the endpoint asked for port 0); null when off or failed.</summary>
    public Uri? Address { get; private set; }

    /// <summary>Why the receiver is not listening although configured, or null.</summary>
    public string? Failure { get; private set; }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.GrpcEndpoint))
        {
            return;
        }

        var endpoint = new Uri(options.Value.GrpcEndpoint);
        var app = Build(endpoint);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            Failure = $"OTLP/gRPC could not listen on {endpoint}: {e.Message}";
            LogBindFailed(logger, endpoint, e.Message);
            await app.DisposeAsync().ConfigureAwait(false);
            return;
        }

        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Address = new Uri(address);
        LogListening(logger, Address);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private WebApplication Build(Uri endpoint)
    {
        // An empty builder: no configuration sources (so no --urls or ASPNETCORE_URLS), only Kestrel with this endpoint.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            var ip = endpoint.Host is "localhost" ? IPAddress.Loopback
                : endpoint.Host is "*" or "+" or "0.0.0.0" ? IPAddress.Any
                : IPAddress.Parse(endpoint.Host.Trim('[', ']'));
            kestrel.Listen(ip, endpoint.Port, listen => listen.Protocols = HttpProtocols.Http2);
        });

        var ingestion = services.GetRequiredService<IOptions<IngestionOptions>>();
        var otlp = services.GetRequiredService<IOptions<OtlpOptions>>();
        var stats = services.GetRequiredService<OtlpIngestionStats>();
        builder.Services.AddSingleton(services.GetRequiredService<ILoggerFactory>());
        builder.Services.TryAdd(ServiceDescriptor.Singleton(typeof(ILogger<>), typeof(Logger<>)));
        builder.Services.AddSingleton(services.GetRequiredService<OtlpReceiver>());
        builder.Services.AddSingleton(stats);
        builder.Services.AddSingleton(services.GetRequiredService<IngestionKeys>());
        builder.Services.AddSingleton(services.GetRequiredService<IngestionGate>());
        builder.Services.AddSingleton(ingestion);
        builder.Services.AddRouting();
        builder.Services.AddGrpc(grpc =>
        {
            // As sent: the same limit as an OTLP/HTTP body. After gzip: OtlpOptions.MaxDecompressedBytes (the provider below).
            grpc.MaxReceiveMessageSize = ingestion.Value.MaxRequestBytes is var max and > int.MaxValue ? int.MaxValue : (int)ingestion.Value.MaxRequestBytes;
            grpc.CompressionProviders = [new CappedGzipCompressionProvider(otlp.Value.MaxDecompressedBytes)];
            grpc.EnableDetailedErrors = false;
        });

        var app = builder.Build();
        app.UseMiddleware<OtlpGrpcGate>();
        app.MapGrpcService<OtlpGrpcTraceService>();
        app.MapGrpcService<OtlpGrpcMetricsService>();
        app.MapGrpcService<OtlpGrpcLogsService>();
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "OTLP/gRPC receiver listening on {Address}")]
    private static partial void LogListening(ILogger logger, Uri address);

    [LoggerMessage(Level = LogLevel.Error, Message = "OTLP/gRPC receiver could not listen on {Endpoint}: {Reason}. gRPC ingestion is off; OTLP/HTTP still works. Set Conciergus:Ingestion:Otlp:GrpcEndpoint to a free address, or empty to turn gRPC off.")]
    private static partial void LogBindFailed(ILogger logger, Uri endpoint, string reason);
}

/// <summary>
/// grpc-encoding gzip with a cap on the decompressed size (<see cref="OtlpOptions.MaxDecompressedBytes"/>, the same
/// cap as OTLP/HTTP's Content-Encoding: gzip): reading past it fails the call with RESOURCE_EXHAUSTED, so a gzip bomb
/// costs at most the cap.
/// </summary>
internal sealed class CappedGzipCompressionProvider(long maxBytes) : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream stream) =>
        new CappedReadStream(new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true), maxBytes);

    private sealed class CappedReadStream(Stream inner, long maxBytes) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Count(int read)
        {
            _read += read;
            if (_read > maxBytes)
            {
                throw new RpcException(new Grpc.Core.Status(StatusCode.ResourceExhausted, $"The decompressed message exceeds {maxBytes} bytes. Send smaller batches."));
            }

            return read;
        }
    }
}
