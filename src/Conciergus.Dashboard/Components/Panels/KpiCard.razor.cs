using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Conciergus.Dashboard.Components.Panels;

/// <summary>One headline figure (KPI) with a title and an optional caption.</summary>
public sealed partial class KpiCard
{
    /// <summary>Short label shown above the value.</summary>
    [Parameter, EditorRequired]
    public required string Title { get; set; }

    /// <summary>The formatted value.</summary>
    [Parameter]
    public string? Value { get; set; }

    /// <summary>Small text under the value (context such as the window or the raw count).</summary>
    [Parameter]
    public string? Caption { get; set; }

    /// <summary>Caption markup (for figures that carry their own test ids), after <see cref="Caption"/>.</summary>
    [Parameter]
    public RenderFragment? CaptionContent { get; set; }

    /// <summary>Change versus the previous window ("▲ 12% vs previous 5 min").</summary>
    [Parameter]
    public string? Change { get; set; }

    /// <summary>Which way the figure moves within the window (null: not shown).</summary>
    [Parameter]
    public Core.Health.TrendResult? Trend { get; set; }

    /// <summary>data-kpi of the value element: the figure's name (requests, errorRate, p95, tokens, cost).</summary>
    [Parameter]
    public string? Kpi { get; set; }

    /// <summary>Optional MudBlazor icon next to the title.</summary>
    [Parameter]
    public string? Icon { get; set; }

    /// <summary>Colour of the icon.</summary>
    [Parameter]
    public Color IconColor { get; set; } = Color.Primary;

    /// <summary>Shows a skeleton instead of the value until the first data arrives.</summary>
    [Parameter]
    public bool Loading { get; set; }

    /// <summary>Stable data-testid of the value element for browser tests (the caption gets "-caption" appended).</summary>
    [Parameter]
    public string? TestId { get; set; }
}
