using Conciergus.Core.Experiments;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Conciergus.Dashboard.Components.Experiments;

/// <summary>An experiment's results as GrowthBook shows them: one row per metric (primary, then guardrails), one column per variant.</summary>
public sealed partial class ExperimentResultsTable
{
    /// <summary>The results to show (control first).</summary>
    [Parameter, EditorRequired]
    public required ExperimentResults Results { get; set; }

    /// <summary>The guardrail metrics of the experiment (flagged, and "breached" when a variant makes one significantly worse).</summary>
    [Parameter]
    public IReadOnlyList<string> Guardrails { get; set; } = [];

    private VariantResult Control => Results.Variants[0];

    private IEnumerable<VariantResult> Treatments => Results.Variants.Skip(1);

    private double Alpha => Results.SignificanceLevel;

    private IEnumerable<string> Metrics => new[] { Results.PrimaryMetric }.Concat(Guardrails).Distinct(StringComparer.Ordinal);

    private bool IsGuardrail(string metric) => Guardrails.Contains(metric, StringComparer.Ordinal);

    private MetricVerdict Verdict(string metric, VariantResult variant) =>
        ExperimentFormat.Verdict(metric, variant.Metrics.GetValueOrDefault(metric), Alpha);

    private static string VerdictIcon(MetricVerdict verdict, double? lift) => verdict switch
    {
        MetricVerdict.Better => Icons.Material.Filled.CheckCircle,
        MetricVerdict.Worse => Icons.Material.Filled.Cancel,
        _ when lift is > 0 => Icons.Material.Filled.NorthEast,
        _ when lift is < 0 => Icons.Material.Filled.SouthEast,
        _ => Icons.Material.Filled.Remove,
    };
}
