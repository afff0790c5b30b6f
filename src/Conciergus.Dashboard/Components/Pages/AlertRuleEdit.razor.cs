using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Alerts;
using Conciergus.Dashboard.Components.Charts;
using Microsoft.AspNetCore.Components;
using Conciergus.Core.Refusals;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// Create or edit an alert rule (Admins). Every change is validated by the alert service (its messages show next to
/// the fields) and, after <see cref="PreviewDelay"/> without further changes, the rule is evaluated over the last hour:
/// the metric per label set with the threshold drawn, and which label sets would breach now.
/// </summary>
public sealed partial class AlertRuleEdit : AlertComponentBase
{
    /// <summary>Quiet time after the last change before the preview runs.</summary>
    internal static readonly TimeSpan PreviewDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Range of the preview.</summary>
    internal static readonly TimeSpan PreviewRange = TimeSpan.FromHours(1);

    /// <summary>Lines drawn at most (the highest label sets); the table lists them all.</summary>
    internal const int MaxChartSeries = 8;

    private static readonly string[] Palette = ["#4c6ef5", "#12b886", "#fab005", "#e64980", "#7950f2", "#fd7e14", "#15aabf", "#82c91e"];

    private AlertRuleForm _form = AlertRuleForm.New();
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();
    private IReadOnlyList<AlertReceiver> _receivers = [];
    private AlertRulePreview? _preview;
    private AlertMetricChart? _chart;
    private ITimer? _debounce;
    private string? _error;
    private string? _previewError;
    private string? _loadedId;
    private string _loadedName = "";
    private bool _notFound;
    private bool _saving;
    private bool _touched;
    private bool _previewing;

    /// <summary>Rule id from the route; null for a new rule.</summary>
    [Parameter]
    public string? Id { get; set; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    private bool IsNew => Id is null;

    private static readonly string[] KnownFields =
        ["name", "metric", "window", "groupby", "operator", "threshold", "recoverythreshold", "for", "keepfiringfor", "nodata", "severity",
            "labels", "annotations", "receivers", "budgetusd"];

    /// <summary>Messages whose field has no input of its own (shown above the form).</summary>
    private IReadOnlyList<string> OtherErrors =>
        [.. _errors.Where(e => !KnownFields.Contains(Normalize(e.Key), StringComparer.Ordinal)).SelectMany(e => e.Value.Select(m => e.Key.Length == 0 ? m : $"{e.Key}: {m}"))];

    private string ThresholdHelp => _form.Metric switch
    {
        AlertMetric.ErrorRate => "a ratio: 0.05 = 5%",
        AlertMetric.CostBurn => "1 = the daily budget spent",
        AlertMetric.ExperimentSrm => "a p-value, e.g. 0.001 with <",
        _ => AlertFormat.Describe(_form.Metric),
    };

    private string PreviewCaption => _preview is { } p
        ? $"{p.Series.Count} label set(s), one point per {AlertFormat.Duration(p.Step)}; the dashed line is the threshold"
        : "Evaluates the rule as it stands over the last hour; updates as you edit.";

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        base.OnInitialized();
        _debounce = Clock.CreateTimer(_ => _ = InvokeAsync(RunPreviewAsync), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <inheritdoc />
    protected override void Load(IAlertService alerts)
    {
        _receivers = alerts.Receivers();

        // The form is the user's: a live change elsewhere must not overwrite what they typed.
        var key = Id ?? "\0new";
        if (_loadedId == key)
        {
            return;
        }

        _loadedId = key;
        _notFound = false;
        if (Id is null)
        {
            _form = AlertRuleForm.New();
            _loadedName = "";
            return;
        }

        if (alerts.GetRule(Id) is not { } rule)
        {
            _notFound = true;
            return;
        }

        _form = AlertRuleForm.From(rule);
        _loadedName = rule.Name;
    }

    /// <inheritdoc />
    protected override async Task OnFirstInteractiveRenderAsync()
    {
        if (Service is not null && !_notFound)
        {
            await RunPreviewAsync();
        }
    }

    private static string Normalize(string key)
    {
        var end = key.IndexOfAny(['[', '.']);
        return (end < 0 ? key : key[..end]).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
    }

    private IEnumerable<string> MessagesOf(string field)
    {
        var normalized = Normalize(field);
        return _errors.Where(e => Normalize(e.Key) == normalized).SelectMany(e => e.Value);
    }

    private bool HasError(string field) => MessagesOf(field).Any();

    private string? ErrorOf(string field) => MessagesOf(field).ToList() is { Count: > 0 } messages ? string.Join(" ", messages) : null;

    private void Toggle(HashSet<string> set, string value, bool on)
    {
        if (on)
        {
            set.Add(value);
        }
        else
        {
            set.Remove(value);
        }

        OnChanged();
    }

    /// <summary>After every edit: validate now, preview once the user pauses.</summary>
    private void OnChanged()
    {
        _touched = true;
        Validate();
        _debounce?.Change(PreviewDelay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The form's own parse errors merged with the service's validation; returns the rule.</summary>
    private AlertRule? Validate()
    {
        if (Service is null)
        {
            return null;
        }

        var (rule, local) = _form.ToRule(Id ?? "");
        var merged = new Dictionary<string, string[]>(local, StringComparer.Ordinal);
        try
        {
            foreach (var (field, messages) in Service.Validate(rule))
            {
                // The form's message about a field it could not read is the clearer one.
                if (!local.Keys.Any(k => Normalize(k) == Normalize(field)))
                {
                    merged[field] = messages;
                }
            }
        }
        catch (RefusalException e)
        {
            merged[""] = [e.Message];
        }

        _errors = merged;
        return rule;
    }

    private async Task RunPreviewAsync()
    {
        if (Service is null)
        {
            return;
        }

        var rule = Validate();
        if (!_touched && IsNew)
        {
            // A fresh form has no name yet: do not greet the user with "name is required".
            _errors = _errors.Where(e => Normalize(e.Key) != "name").ToDictionary(e => e.Key, e => e.Value);
        }

        if (rule is null || _errors.Keys.Any(k => Normalize(k) != "name"))
        {
            _preview = null;
            _previewError = "Fix the highlighted fields to see a preview.";
            StateHasChanged();
            return;
        }

        _previewing = true;
        try
        {
            // A nameless rule still previews: the name only labels the alerts.
            var preview = Service.Preview(rule.Name.Length == 0 ? rule with { Name = "preview" } : rule, PreviewRange);
            _preview = preview;
            _previewError = null;
            await SendPreviewChartAsync(rule, preview);
        }
        catch (RefusalException e)
        {
            _preview = null;
            _previewError = e.Message;
        }
        finally
        {
            _previewing = false;
            StateHasChanged();
        }
    }

    private Task SendPreviewChartAsync(AlertRule rule, AlertRulePreview preview)
    {
        if (_chart is null)
        {
            return Task.CompletedTask;
        }

        var scale = AlertFormat.ChartScale(rule.Metric);
        var drawn = preview.Series
            .OrderByDescending(s => s.Points.Count == 0 ? double.MinValue : s.Points.Max(p => double.IsNaN(p.Value) ? double.MinValue : p.Value))
            .Take(MaxChartSeries)
            .ToList();
        var series = drawn.Select((s, i) => new ChartSeries(s.Labels.Count == 0 ? AlertWire.Name(rule.Metric) : AlertFormat.LabelSet(s.Labels), Palette[i % Palette.Length])).ToList();
        var points = drawn.Select(s => (IReadOnlyList<ChartPoint>)[.. s.Points.Select(p => ChartPoint.At(p.At, double.IsNaN(p.Value) ? null : p.Value * scale))]).ToList();
        var thresholds = new List<ChartThreshold> { new(rule.Threshold * scale, $"threshold {AlertWire.Symbol(rule.Operator)} {AlertFormat.Value(rule.Metric, rule.Threshold)}") };
        if (rule.RecoveryThreshold is { } recovery)
        {
            thresholds.Add(new ChartThreshold(recovery * scale, "recovery", "#12b886"));
        }

        if (series.Count == 0)
        {
            series.Add(new ChartSeries(AlertWire.Name(rule.Metric), Palette[0]));
            points.Add([]);
        }

        return _chart.SetAsync(series, points, thresholds);
    }

    /// <summary>One table row per label set: last and highest value, and whether it breaches at the end of the range.</summary>
    private static IEnumerable<(string Key, double? Last, double? Max, bool Breaching)> PreviewRows(AlertRulePreview preview)
    {
        var breaches = preview.Breaches.Select(SortedKey).ToHashSet(StringComparer.Ordinal);
        foreach (var series in preview.Series)
        {
            var key = string.Join(",", series.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
            var values = series.Points.Select(p => p.Value).Where(v => !double.IsNaN(v)).ToList();
            yield return (key, values.Count == 0 ? null : values[^1], values.Count == 0 ? null : values.Max(), breaches.Contains(key));
        }
    }

    private static string SortedKey(string labelSet) =>
        string.Join(",", labelSet.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));

    private async Task SaveAsync()
    {
        if (Service is null)
        {
            return;
        }

        _touched = true;
        _error = null;
        var rule = Validate();
        if (rule is null || _errors.Count > 0)
        {
            _error = "Fix the highlighted fields.";
            return;
        }

        _saving = true;
        try
        {
            var actor = await ActorAsync();
            _ = IsNew
                ? await Service.CreateRuleAsync(rule, actor)
                : await Service.UpdateRuleAsync(Id!, rule, actor);
            Navigation.NavigateTo("/alerts/rules");
        }
        catch (RefusalException e)
        {
            _errors = e.Errors;
            _error = e.Message;
        }
        finally
        {
            _saving = false;
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _debounce?.Dispose();
        }

        base.Dispose(disposing);
    }
}
