using System.Globalization;
using Conciergus.Core.Audit;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// The audit trail: a server-paged table (newest first) filtered by actor, action prefix, target and UTC days,
/// row detail with details and hashes, a "Verify chain" button and exports (the export endpoint audits itself).
/// </summary>
public sealed partial class Audit
{
    private static readonly int[] PageSizes = [25, 50, 100];

    private MudTable<AuditEntry>? _table;
    private AuditVerification? _verification;
    private string? _verifyError;
    private string? _loadError;
    private bool _verifying;
    private long? _expanded;

    [Inject]
    public required AuditLog Log { get; init; }

    private string? ActorFilter { get; set; }

    private string? ActionFilter { get; set; }

    private string? TargetFilter { get; set; }

    private DateTime? From { get; set; }

    private DateTime? To { get; set; }

    private bool HasFilters => !string.IsNullOrWhiteSpace(ActorFilter) || !string.IsNullOrWhiteSpace(ActionFilter) || !string.IsNullOrWhiteSpace(TargetFilter)
        || From is not null || To is not null;

    private Task<TableData<AuditEntry>> LoadAsync(TableState state, CancellationToken cancellationToken)
    {
        try
        {
            var query = new AuditQuery
            {
                Actor = ActorFilter,
                Action = ActionFilter,
                Target = TargetFilter,
                From = From is { } f ? new DateTimeOffset(DateTime.SpecifyKind(f.Date, DateTimeKind.Utc)) : null,
                To = To is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t.Date.AddDays(1), DateTimeKind.Utc)) : null,
                Limit = state.PageSize,
                Offset = state.Page * state.PageSize,
            };

            // One indexed LiteDB page read (a few milliseconds): synchronous, no thread hop.
            cancellationToken.ThrowIfCancellationRequested();
            var page = Log.Query(query);
            _loadError = null;
            return Task.FromResult(new TableData<AuditEntry> { Items = page.Entries, TotalItems = (int)Math.Min(page.Total, int.MaxValue) });
        }
        catch (OperationCanceledException)
        {
            return Task.FromResult(new TableData<AuditEntry> { Items = [], TotalItems = 0 });
        }
#pragma warning disable CA1031 // shown to the operator as the table's error state
        catch (Exception e)
#pragma warning restore CA1031
        {
            _loadError = e.Message;
            return Task.FromResult(new TableData<AuditEntry> { Items = [], TotalItems = 0 });
        }
    }

    private async Task VerifyAsync()
    {
        _verifying = true;
        _verifyError = null;
        _verification = null;
        try
        {
            _verification = await Log.VerifyAsync();
        }
#pragma warning disable CA1031 // shown to the operator
        catch (Exception e)
#pragma warning restore CA1031
        {
            _verifyError = e.Message;
        }
        finally
        {
            _verifying = false;
        }
    }

    private void ClearVerification() => _verification = null;

    private void ToggleRow(TableRowClickEventArgs<AuditEntry> args)
    {
        if (args.Item is { } entry)
        {
            _expanded = _expanded == entry.Sequence ? null : entry.Sequence;
        }
    }

    private Task FiltersChangedAsync(string _) => ReloadAsync();

    private Task FromChangedAsync(DateTime? value)
    {
        From = value;
        return ReloadAsync();
    }

    private Task ToChangedAsync(DateTime? value)
    {
        To = value;
        return ReloadAsync();
    }

    private Task ReloadAsync() => _table?.ReloadServerData() ?? Task.CompletedTask;

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
