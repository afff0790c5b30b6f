using Conciergus.Core.Analytics;
using Conciergus.Dashboard.Live;

namespace Conciergus.Dashboard.Hubs;

/// <summary>
/// What "summary" carries: one instance's live snapshot. Each instance only sees the operations it ingested,
/// so with several instances a client receives one stream per instance (never the same data twice) and
/// combines the newest message of each <see cref="InstanceId"/>; <see cref="Sequence"/> orders one instance's messages.
/// </summary>
/// <param name="InstanceId">The publishing instance (<see cref="TelemetryHubOptions.InstanceId"/>).</param>
/// <param name="Sequence">1, 2, 3 ... per instance.</param>
/// <param name="At">When the snapshot was built.</param>
/// <param name="Version">Operations recorded by that instance so far.</param>
/// <param name="WindowSeconds">Length of the summary's window.</param>
/// <param name="Summary">Totals over the window.</param>
/// <param name="NewPoints">Completed seconds not sent before: [unixMs, requests, errors].</param>
public sealed record TelemetrySummaryMessage(
    string InstanceId,
    long Sequence,
    DateTimeOffset At,
    long Version,
    double WindowSeconds,
    SummaryReport Summary,
    IReadOnlyList<long[]> NewPoints);
