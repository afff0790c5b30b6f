using System.Globalization;

namespace Conciergus.LoadGen;

/// <summary>Command-line settings of one load run.</summary>
internal sealed record LoadGenOptions
{
    /// <summary>Base URL of the OTLP receiver: HTTP posts to {Url}/v1/traces, gRPC calls TraceService/Export at {Url}.</summary>
    public required Uri Url { get; init; }

    /// <summary>Transport: OTLP/HTTP protobuf (<c>http</c>) or OTLP/gRPC (<c>grpc</c>, cleartext HTTP/2, one channel per sender).</summary>
    public string Protocol { get; init; } = "http";

    /// <summary>Target spans per second over all senders; 0 sends as fast as the target answers.</summary>
    public double Rate { get; init; }

    /// <summary>Spans per export request (rounded to whole traces).</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Concurrent senders, each with one request in flight.</summary>
    public int Connections { get; init; } = 4;

    /// <summary>How long to send.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Warm-up before measuring (sent, not counted).</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Extra request headers (e.g. x-otlp-api-key).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Share of chat spans that fail (status error), 0..1. Forced to 0 in hub mode (errors are the markers there).</summary>
    public double ErrorRate { get; init; } = 0.02;

    /// <summary>Stop after this many requests over all senders, warm-up included (0: only the duration bounds the run).</summary>
    public long MaxRequests { get; init; }

    /// <summary>Cardinality attack: a new application, environment, provider and model in every request / chat span.</summary>
    public bool UniqueValues { get; init; }

    /// <summary>Scale: draw each chat span's model from this many distinct (dated-variant, priced) models; 0 keeps the five standard models.</summary>
    public int Models { get; init; }

    /// <summary>Scale: give each chat span a <c>user.id</c> drawn from this many distinct users; 0 sends no user.</summary>
    public int Users { get; init; }

    /// <summary>SignalR clients on /hubs/telemetry (0: no live-path measurement).</summary>
    public int HubClients { get; init; }

    /// <summary>API key (Viewer) the hub clients send as X-Api-Key.</summary>
    public string? HubKey { get; init; }

    /// <summary>Interval between marker batches in hub mode.</summary>
    public TimeSpan MarkerInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Name of the target in the report (e.g. conciergus, aspire).</summary>
    public string Label { get; init; } = "target";

    /// <summary>Seed of the payload generator: the same seed sends the same payloads.</summary>
    public int Seed { get; init; } = 42;

    public const string Usage = """
        Conciergus.LoadGen: OTLP/HTTP protobuf or OTLP/gRPC load of GenAI chat spans.
          --url http://127.0.0.1:5080     receiver base URL (POST {url}/v1/traces, or the gRPC endpoint)
          --protocol http                 http (OTLP/HTTP protobuf) or grpc (OTLP/gRPC TraceService/Export)
          --rate 0                        spans/s over all senders (0 = as fast as possible)
          --batch-size 100                spans per request
          --connections 4                 concurrent senders
          --duration 30                   seconds measured
          --warmup 3                      seconds sent before measuring
          --header name=value             extra header (repeatable), e.g. x-otlp-api-key=KEY
          --error-rate 0.02               share of failing chat spans
          --requests 0                    stop after this many requests in all (0 = duration only)
          --unique-values                 cardinality attack: new application/environment per request, new provider/model per span
          --models 0                      draw each chat span's model from N distinct models (0 = the five standard models)
          --users 0                       give each chat span a user.id drawn from N distinct users (0 = no user)
          --hub-clients 0                 SignalR clients on {url}/hubs/telemetry (live-path latency)
          --hub-key KEY                   Viewer API key for the hub clients (X-Api-Key)
          --marker-interval 1             seconds between marker batches (hub mode)
          --label target                  name in the report
          --seed 42                       payload seed
        """;

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> with what is wrong.</summary>
    public static LoadGenOptions Parse(string[] args)
    {
        Uri? url = null;
        var options = new LoadGenOptions { Url = new Uri("http://127.0.0.1:5080") };
        var headers = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            double Number() => double.Parse(Value(), CultureInfo.InvariantCulture);
            options = name switch
            {
                "--url" => options with { Url = url = new Uri(Value().TrimEnd('/')) },
                "--protocol" => options with { Protocol = Value().ToLowerInvariant() },
                "--rate" => options with { Rate = Number() },
                "--batch-size" => options with { BatchSize = (int)Number() },
                "--connections" => options with { Connections = (int)Number() },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Number()) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Number()) },
                "--error-rate" => options with { ErrorRate = Number() },
                "--requests" => options with { MaxRequests = (long)Number() },
                "--unique-values" => options with { UniqueValues = true },
                "--models" => options with { Models = (int)Number() },
                "--users" => options with { Users = (int)Number() },
                "--hub-clients" => options with { HubClients = (int)Number() },
                "--hub-key" => options with { HubKey = Value() },
                "--marker-interval" => options with { MarkerInterval = TimeSpan.FromSeconds(Number()) },
                "--label" => options with { Label = Value() },
                "--seed" => options with { Seed = (int)Number() },
                "--header" => AddHeader(options, headers, Value()),
                _ => throw new ArgumentException($"Unknown option '{name}'."),
            };
        }

        _ = url;
        if (options.Protocol is not ("http" or "grpc"))
        {
            throw new ArgumentException($"--protocol must be http or grpc, not '{options.Protocol}'.");
        }

        if (options.Protocol == "grpc" && options.HubClients > 0)
        {
            throw new ArgumentException("--hub-clients measures the live path over OTLP/HTTP; use --protocol http with it.");
        }

        if (options.BatchSize < 2 || options.Connections < 1 || options.Duration <= TimeSpan.Zero || options.Rate < 0 || options.HubClients < 0
            || options.Models < 0 || options.Users < 0)
        {
            throw new ArgumentException("--batch-size must be >= 2, --connections >= 1, --duration > 0, --rate >= 0, --hub-clients >= 0, --models >= 0, --users >= 0.");
        }

        return options with { Headers = headers, ErrorRate = options.HubClients > 0 ? 0 : options.ErrorRate };
    }

    private static LoadGenOptions AddHeader(LoadGenOptions options, List<KeyValuePair<string, string>> headers, string header)
    {
        var eq = header.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new ArgumentException($"--header wants name=value, not '{header}'.");
        }

        headers.Add(new(header[..eq], header[(eq + 1)..]));
        return options;
    }
}
