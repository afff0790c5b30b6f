using System.Globalization;
using Conciergus.Core.Collector;
using Conciergus.Core.Ingestion;
using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Dashboard.Live;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Conciergus.Dashboard.Components.Health;

/// <summary>
/// OTLP receiver counters, the ingestion back-pressure gate (in flight, 429s) and the collector's drops, re-read on
/// live publisher ticks at most once per <see cref="RefreshInterval"/>. Every way a span or an operation can be
/// refused or lost is on one of its lines, so a drop is never silent.
/// </summary>
public sealed partial class IngestionStatsPanel : ComponentBase, IDisposable
{
    /// <summary>Minimum time between two re-reads.</summary>
    internal static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private OtlpIngestionSnapshot? _otlp;
    private IngestionGateSnapshot? _gate;
    private CollectorStats? _collector;
    private IDisposable? _subscription;
    private long _lastReadTicks;

    /// <summary>Services; the OTLP stats, the gate, the collector and the live publisher are each optional.</summary>
    [Inject]
    public required IServiceProvider Services { get; init; }

    /// <summary>"ok", "refusing" (429s or rejected spans seen) or "dropping" (the collector dropped operations).</summary>
    internal string Verdict => (_collector, _gate, _otlp) switch
    {
        ({ Dropped: > 0 } or { SinkFailures: > 0 }, _, _) => "dropping",
        (_, { ThrottledOtlp: > 0 } or { ThrottledJson: > 0 }, _) or (_, _, { RejectedSpans: > 0 }) => "refusing",
        _ => "ok",
    };

    private Color VerdictColor => Verdict switch
    {
        "ok" => Color.Success,
        "refusing" => Color.Warning,
        _ => Color.Error,
    };

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        Read();
        if (Services.GetService<LivePublisher>() is { } publisher)
        {
            _subscription = publisher.Subscribe(_ => OnTick());
        }
    }

    private void OnTick()
    {
        var clock = Services.GetService<TimeProvider>() ?? TimeProvider.System;
        var now = clock.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref _lastReadTicks);
        if (now - last < RefreshInterval.Ticks || Interlocked.CompareExchange(ref _lastReadTicks, now, last) != last)
        {
            return;
        }

        _ = InvokeAsync(() =>
        {
            Read();
            StateHasChanged();
        });
    }

    private void Read()
    {
        _otlp = Services.GetService<OtlpIngestionStats>()?.Snapshot();
        _gate = Services.GetService<IngestionGate>()?.Snapshot();
        _collector = Services.GetService<AiOperationCollector>()?.Stats;
    }

    /// <summary>"2026-12-02 19:04:05 UTC · sink TraceStore · InvalidOperationException: message" (the message may quote telemetry: rendered as text).</summary>
    internal static string LastDropText(CollectorDropReason drop) =>
        string.Create(CultureInfo.InvariantCulture, $"{drop.At.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC · {drop.Stage} · {drop.ExceptionType}: {drop.Message}");

    private static string Bytes(long bytes) => bytes switch
    {
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024:0.#} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024 / 1024:0.##} GiB"),
    };

    /// <inheritdoc />
    public void Dispose() => _subscription?.Dispose();
}
