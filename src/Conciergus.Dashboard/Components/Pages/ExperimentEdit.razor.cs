using Conciergus.Core.Experiments;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Conciergus.Core.Refusals;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>Create or edit an experiment; the service validates, and its messages show next to the fields.</summary>
public sealed partial class ExperimentEdit
{
    private ExperimentForm _form = ExperimentForm.NewDraft();
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();
    private string? _error;
    private bool _notFound;
    private bool _frozen;
    private bool _saving;

    // False while prerendered: a click on a static page would go nowhere, so Save waits for the circuit.
    private bool _interactive;

    /// <summary>Key of the experiment to edit; null for a new one.</summary>
    [Parameter]
    public string? Key { get; set; }

    [Inject]
    public required ExperimentService Service { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required IServiceProvider Services { get; init; }

    private bool IsNew => Key is null;

    protected override void OnParametersSet()
    {
        if (Key is null)
        {
            return;
        }

        if (Service.Get(Key) is not { } experiment)
        {
            _notFound = true;
            return;
        }

        _form = ExperimentForm.From(experiment);
        _frozen = experiment.State != ExperimentState.Draft;
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _interactive = true;
            StateHasChanged();
        }
    }

    private bool HasError(string field) => _errors.ContainsKey(field);

    private string? ErrorOf(string field) => _errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    private void AddVariant() => _form.Variants.Add(new VariantForm { Key = $"variant-{_form.Variants.Count}" });

    private async Task SaveAsync()
    {
        _saving = true;
        _error = null;
        var definition = _form.ToDefinition();
        _errors = ExperimentValidator.Validate(IsNew ? definition : definition with { Key = Key });
        if (_errors.Count > 0)
        {
            _saving = false;
            _error = "Fix the highlighted fields.";
            return;
        }

        try
        {
            var actor = await ActorAsync();
            var saved = IsNew
                ? await Service.CreateAsync(definition, actor)
                : await Service.UpdateAsync(Key!, definition, actor);
            Navigation.NavigateTo($"/experiments/{saved.Key}");
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

    private Task<Actor> ActorAsync() => ActorFactory.OfAsync(Services);
}

/// <summary>Editable state of the form (mutable, bound to the fields).</summary>
internal sealed class ExperimentForm
{
    public string? Key { get; set; }

    public string? Name { get; set; }

    public string? Hypothesis { get; set; }

    public ExperimentType Type { get; set; } = ExperimentType.Prompt;

    public double Coverage { get; set; } = 1;

    /// <summary>Coverage as the operator types it, 0..100 (percent); stored as 0..1.</summary>
    public double CoveragePercent
    {
        get => Math.Round(Coverage * 100, 4);
        set => Coverage = value / 100;
    }

    public int HashVersion { get; set; } = 2;

    public string? Seed { get; set; }

    public string? Applications { get; set; }

    public string PrimaryMetric { get; set; } = ExperimentMetrics.SuccessRate;

    public string? Guardrails { get; set; } = "latency_p95, cost_per_request";

    public double SignificanceLevel { get; set; } = 0.05;

    public int MinimumSampleSize { get; set; } = 100;

    public bool Sequential { get; set; } = true;

    public ExperimentTargeting Targeting { get; set; } = new();

    public List<VariantForm> Variants { get; } = [];

    public static ExperimentForm NewDraft()
    {
        var form = new ExperimentForm();
        form.Variants.Add(new VariantForm { Key = "control", Weight = 0.5 });
        form.Variants.Add(new VariantForm { Key = "treatment", Weight = 0.5 });
        return form;
    }

    public static ExperimentForm From(Experiment e)
    {
        var form = new ExperimentForm
        {
            Key = e.Key,
            Name = e.Name,
            Hypothesis = e.Hypothesis,
            Type = e.Type,
            Coverage = e.Coverage,
            HashVersion = e.HashVersion,
            Seed = e.Seed,
            Applications = string.Join(", ", e.Targeting.Applications),
            PrimaryMetric = e.PrimaryMetric,
            Guardrails = string.Join(", ", e.GuardrailMetrics),
            SignificanceLevel = e.SignificanceLevel,
            MinimumSampleSize = e.MinimumSampleSize,
            Sequential = e.Sequential,
            Targeting = e.Targeting,
        };
        form.Variants.AddRange(e.Variants.Select(VariantForm.From));
        return form;
    }

    public ExperimentDefinition ToDefinition() => new()
    {
        Key = Key?.Trim(),
        Name = Name,
        Hypothesis = Hypothesis,
        Type = Type,
        Coverage = Coverage,
        HashVersion = HashVersion,
        Seed = string.IsNullOrWhiteSpace(Seed) ? null : Seed.Trim(),
        Targeting = Targeting with { Applications = Split(Applications) },
        PrimaryMetric = PrimaryMetric.Trim(),
        GuardrailMetrics = Split(Guardrails),
        SignificanceLevel = SignificanceLevel,
        MinimumSampleSize = MinimumSampleSize,
        Sequential = Sequential,
        Variants = [.. Variants.Select(v => v.ToDefinition())],
    };

    private static string[] Split(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Editable state of one variant.</summary>
internal sealed class VariantForm
{
    public string Key { get; set; } = "";

    public double Weight { get; set; }

    public string? ModelId { get; set; }

    public string? Provider { get; set; }

    public string? SystemPrompt { get; set; }

    public string? PromptTemplate { get; set; }

    public float? Temperature { get; set; }

    public int? MaxTokens { get; set; }

    public VariantOverrides Original { get; set; } = new();

    public static VariantForm From(ExperimentVariantDefinition v) => new()
    {
        Key = v.Key,
        Weight = v.Weight,
        ModelId = v.Overrides.ModelId,
        Provider = v.Overrides.Provider,
        SystemPrompt = v.Overrides.SystemPrompt,
        PromptTemplate = v.Overrides.PromptTemplate,
        Temperature = v.Overrides.Temperature,
        MaxTokens = v.Overrides.MaxTokens,
        Original = v.Overrides,
    };

    public ExperimentVariantDefinition ToDefinition() => new()
    {
        Key = Key.Trim(),
        Weight = Weight,
        Overrides = Original with
        {
            ModelId = Empty(ModelId),
            Provider = Empty(Provider)?.Trim(),
            SystemPrompt = Empty(SystemPrompt),
            PromptTemplate = Empty(PromptTemplate),
            Temperature = Temperature,
            MaxTokens = MaxTokens,
        },
    };

    private static string? Empty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
