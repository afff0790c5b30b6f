using Conciergus.Core.Analytics;
using Conciergus.Core.Operations;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Conciergus.Dashboard.Components.Panels;

/// <summary>
/// Several filters at once as chips (AND across fields, OR within one), added with a field picker and a value box
/// that suggests the values seen in the window (the store's distinct values, or the cache's series when the store is
/// off). The filters live in the URL, so links and reloads keep them; every value is rendered as text.
/// </summary>
public sealed partial class FilterBar
{
    private const string MetadataChoice = "metadata.…";

    private static readonly IReadOnlyList<string> Fields = [.. FilterFields.All, MetadataChoice];

    private MudAutocomplete<string>? _autocomplete;
    private string _field = FilterFields.Model;
    private string? _metadataKey;
    private string? _value;
    private string? _error;

    [Inject]
    public required NavigationManager Navigation { get; init; }

    /// <summary>Services: suggestions come from <see cref="AnalyticsService"/> when the host registers it (pages without it get none).</summary>
    [Inject]
    public required IServiceProvider Services { get; init; }

    /// <summary>The filters in force (from the URL).</summary>
    [Parameter, EditorRequired]
    public required OperationFilter Filter { get; set; }

    /// <summary>The window the suggestions come from.</summary>
    [Parameter]
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    private string? CurrentField => _field == MetadataChoice
        ? (string.IsNullOrWhiteSpace(_metadataKey) ? null : FilterFields.MetadataPrefix + _metadataKey.Trim())
        : _field;

    private async Task<IEnumerable<string>> SearchAsync(string? text, CancellationToken cancellationToken)
    {
        if (CurrentField is not { } field || Services.GetService(typeof(AnalyticsService)) is not AnalyticsService analytics)
        {
            return [];
        }

        IReadOnlyList<string> values;
        try
        {
            values = await analytics.FilterValuesAsync(field, Window, 200, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return [];
        }

        var taken = Filter.Clause(field)?.Values ?? [];
        return values
            .Where(v => !taken.Contains(v, StringComparer.Ordinal))
            .Where(v => string.IsNullOrEmpty(text) || v.Contains(text, StringComparison.OrdinalIgnoreCase))
            .Take(50)
            .ToList();
    }

    private async Task OnValueChanged(string? value)
    {
        _value = value;
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        if (CurrentField is not { } field)
        {
            _error = "name the metadata key first";
            return;
        }

        var values = (Filter.Clause(field)?.Values ?? []).Append(value.Trim()).Distinct(StringComparer.Ordinal).ToList();
        var candidate = Filter.Clauses.Where(c => c.Field != field).Append(new FilterClause(field, values)).ToList();
        if (!OperationFilter.TryParse(candidate.Select(c => new KeyValuePair<string, IReadOnlyList<string?>>(c.Field, [.. c.Values])), new HashSet<string>(), out var filter, out var error))
        {
            _error = error;
            return;
        }

        _error = null;
        _value = null;
        if (_autocomplete is not null)
        {
            await _autocomplete.ClearAsync();
        }

        Apply(filter);
    }

    private void RemoveAsync(string field, string value)
    {
        var clauses = Filter.Clauses
            .Select(c => c.Field == field ? new FilterClause(c.Field, c.Values.Where(v => v != value).ToList()) : c)
            .Where(c => c.Values.Count > 0)
            .ToList();
        Apply(clauses.Count == 0 ? OperationFilter.Empty : new OperationFilter(clauses));
    }

    /// <summary>Writes the filter into the URL (removing the filters it replaces); the page re-reads it from there.</summary>
    private void Apply(OperationFilter filter)
    {
        var uri = Navigation.ToAbsoluteUri(Navigation.Uri);
        var parameters = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, _) in Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query))
        {
            if (FilterFields.TryNormalize(name, out _))
            {
                parameters[name] = null;
            }
        }

        foreach (var (field, value) in filter.ToQuery())
        {
            parameters[field] = value;
        }

        // Offsets of paged lists count from the first page again under a new filter.
        parameters["offset"] = null;
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(parameters));
    }
}
