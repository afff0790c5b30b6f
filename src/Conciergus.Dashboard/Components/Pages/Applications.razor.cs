using System.Globalization;
using Conciergus.Core.AppMetrics;
using Conciergus.Core.Health;
using Conciergus.Dashboard.Components.Panels;
using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>Applications (service.name): CPU, memory, active requests and queue length from their OTLP metrics beside their AI calls, live.</summary>
public sealed partial class Applications : PanelPage
{
    private IReadOnlyList<ApplicationRow> _rows = [];

    [Inject]
    public required ApplicationOverview Overview { get; init; }

    [Inject]
    public required SystemHealthEvaluator HealthEvaluator { get; init; }

    /// <inheritdoc />
    protected override bool IsEmpty => false;

    /// <inheritdoc />
    protected override void Load() => _rows = Overview.Rows(Query.Window);

    private ModelHealthVerdict? Verdict(ApplicationRow row)
    {
        var c = HealthEvaluator.Application(
            new ApplicationHealthInput(row.Name, row.Requests, row.ErrorRate, row.P95Ms, row.LastSeen,
                row.CpuInstrument == ApplicationOverview.CpuInstruments[0].Name ? row.CpuUtilization : null, row.QueueLength),
            TimeProvider.GetUtcNow());
        return new ModelHealthVerdict(c.Status, c.Rule);
    }

    private static string Cpu(ApplicationRow row) => row.CpuUtilization switch
    {
        null => Formatting.Missing,
        { } u when row.CpuInstrument == ApplicationOverview.CpuInstruments[0].Name => Formatting.Percent(u),
        { } cores => cores.ToString("0.00", CultureInfo.InvariantCulture) + " cores",
    };

    private static string Number(double? value) => value is { } v ? v.ToString("#,##0.##", CultureInfo.InvariantCulture) : Formatting.Missing;
}
