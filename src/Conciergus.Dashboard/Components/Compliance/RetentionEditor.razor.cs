using System.Globalization;
using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Conciergus.Dashboard.Components.Compliance;

/// <summary>Edits the retention policy (Admin page): a framework preset and days per data class; saving validates against the framework's floor and audits the change.</summary>
public sealed partial class RetentionEditor
{
    private readonly Dictionary<string, int> _days = new(StringComparer.Ordinal);
    private IReadOnlyList<string> _errors = [];
    private string _framework = RetentionPresets.Gdpr;
    private bool _busy;
    private bool _saved;

    [Inject]
    public required RetentionPolicyStore Policies { get; init; }

    [Inject]
    public required AuditRecorder Recorder { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    /// <summary>Called after a successful save.</summary>
    [Parameter]
    public EventCallback Saved { get; set; }

    /// <summary>The signed-in user.</summary>
    [CascadingParameter]
    public Task<AuthenticationState>? AuthenticationState { get; set; }

    private RetentionPreset Preset => RetentionPresets.Find(_framework) ?? RetentionPresets.All[0];

    /// <inheritdoc />
    protected override void OnInitialized()
    {
        var policy = Policies.Current;
        _framework = policy.Framework;
        foreach (var dataClass in DataClasses.All)
        {
            _days[dataClass] = policy.Days.TryGetValue(dataClass, out var d) ? d : Preset.Days[dataClass];
        }
    }

    private void FrameworkChanged(string framework)
    {
        _framework = framework;
        foreach (var (dataClass, days) in Preset.Days)
        {
            _days[dataClass] = days;
        }

        _errors = [];
        _saved = false;
    }

    private string Floor(string dataClass) =>
        Preset.MinimumDays.TryGetValue(dataClass, out var floor) ? $"at least {floor.ToString(CultureInfo.InvariantCulture)}" : "no floor";

    private async Task SaveAsync()
    {
        _saved = false;
        _errors = RetentionPresets.Validate(_framework, _days);
        if (_errors.Count > 0)
        {
            return;
        }

        _busy = true;
        try
        {
            var user = AuthenticationState is null ? null : (await AuthenticationState).User;
            var saved = Policies.Save(_framework, _days, ActorFactory.Of(user).Name, Clock.GetUtcNow());
            var details = saved.Days.ToDictionary(p => "days." + p.Key, p => p.Value.ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal);
            details["framework"] = saved.Framework;
            await Recorder.RecordAsync(user, Endpoints.ComplianceEndpoints.RetentionUpdateAction, saved.Framework, details);
            _saved = true;
            await Saved.InvokeAsync();
        }
#pragma warning disable CA1031 // shown to the operator
        catch (Exception e)
#pragma warning restore CA1031
        {
            _errors = [e.Message];
        }
        finally
        {
            _busy = false;
        }
    }
}
