using System.Globalization;
using Conciergus.Core.Compliance;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// The compliance page (Admin): every control with its evidence, verified when the page opens and on demand; the
/// retention policy editor; a manual retention run; decision record search and export; the data-subject requests.
/// </summary>
public sealed partial class Compliance
{
    private ComplianceReport? _report;
    private CompliancePurgeResult? _purge;
    private DecisionPage? _page;
    private string? _searched;
    private (bool Stored, bool Analytics, bool Experimentation, DateTimeOffset? UpdatedAt)? _consent;
    private string? _error;
    private bool _busy;

    [Inject]
    public required ComplianceReportBuilder Reports { get; init; }

    [Inject]
    public required ComplianceRetention Retention { get; init; }

    [Inject]
    public required DecisionLog Decisions { get; init; }

    [Inject]
    public required ConsentStore Consent { get; init; }

    /// <summary>The signed-in user.</summary>
    [CascadingParameter]
    public Task<AuthenticationState>? AuthenticationState { get; set; }

    private string? SearchUserId { get; set; }

    /// <inheritdoc />
    protected override async Task OnInitializedAsync()
    {
        Search();
        await RefreshAsync();
    }

    private async Task RefreshAsync()
    {
        _busy = true;
        _error = null;
        try
        {
            _report = await Reports.BuildAsync();
        }
#pragma warning disable CA1031 // shown to the operator
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error = "The compliance state could not be read: " + e.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task PurgeAsync()
    {
        _busy = true;
        _error = null;
        try
        {
            var user = AuthenticationState is null ? null : (await AuthenticationState).User;
            var actor = ActorFactory.Of(user);
            _purge = await Retention.PurgeAsync(actor.Name, actor.Role);
        }
#pragma warning disable CA1031 // shown to the operator
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error = "Retention failed: " + e.Message;
        }
        finally
        {
            _busy = false;
        }

        await RefreshAsync();
    }

    private void Search()
    {
        _searched = SearchUserId?.Trim();
        try
        {
            _page = Decisions.Search(string.IsNullOrEmpty(_searched) ? null : _searched, null, null, limit: 50);
            _consent = string.IsNullOrEmpty(_searched)
                ? null
                : Consent.Get(_searched) is { } state
                    ? (true, state.Analytics, state.Experimentation, state.UpdatedAt)
                    : (false, Consent.Allows(_searched, ConsentPurposes.Analytics), Consent.Allows(_searched, ConsentPurposes.Experimentation), null);
        }
#pragma warning disable CA1031 // shown to the operator
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error = "Decision records could not be read: " + e.Message;
        }
    }

    private string ExportHref(string format) =>
        $"/api/v1/decisions/export?format={format}" + (string.IsNullOrWhiteSpace(SearchUserId) ? "" : "&userId=" + Uri.EscapeDataString(SearchUserId.Trim()));

    private static string Word(bool granted) => granted ? "granted" : "refused";

    private static Color ColorOf(ControlStatus status) => status switch
    {
        ControlStatus.InPlace => Color.Success,
        ControlStatus.Attention => Color.Warning,
        _ => Color.Error,
    };

    private static string LabelOf(ControlStatus status) => status switch
    {
        ControlStatus.InPlace => "In place",
        ControlStatus.Attention => "Attention",
        _ => "Not in place",
    };

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
