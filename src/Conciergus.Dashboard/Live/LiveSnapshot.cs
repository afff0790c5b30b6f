using Conciergus.Core.Analytics;

namespace Conciergus.Dashboard.Live;

/// <summary>What the live publisher hands to panels on each publish: small, immutable, shared by every subscriber.</summary>
/// <param name="At">When the snapshot was built.</param>
/// <param name="Version">The collector version (operations recorded) the snapshot reflects.</param>
/// <param name="Summary">Totals over the last <see cref="LiveOptions.SummaryWindow"/>.</param>
/// <param name="NewPoints">Completed per-second points not published before, oldest first.</param>
public sealed record LiveSnapshot(DateTimeOffset At, long Version, SummaryReport Summary, IReadOnlyList<LivePoint> NewPoints);

/// <summary>One completed second of the total series.</summary>
/// <param name="Start">Start of the second.</param>
/// <param name="Requests">Operations that completed in that second.</param>
/// <param name="Errors">Failed operations that completed in that second.</param>
public readonly record struct LivePoint(DateTimeOffset Start, long Requests, long Errors);

/// <summary>Health of the live publisher, for the health page.</summary>
/// <param name="Running">Whether the publishing timer is running.</param>
/// <param name="LastPublishedAt">When the last snapshot went out.</param>
/// <param name="Publishes">Snapshots published.</param>
/// <param name="Subscribers">Current subscriptions.</param>
/// <param name="SubscriberFailures">Subscriber callbacks that threw (each counted, none stopped the publisher).</param>
/// <param name="TickFailures">Ticks that could not build a snapshot.</param>
/// <param name="LastError">Message of the newest tick failure, when the last tick failed.</param>
public sealed record LivePublisherStatus(
    bool Running,
    DateTimeOffset? LastPublishedAt,
    long Publishes,
    int Subscribers,
    long SubscriberFailures,
    long TickFailures,
    string? LastError);
