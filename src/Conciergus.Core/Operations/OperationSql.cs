using System.Globalization;
using DuckDB.NET.Data;

namespace Conciergus.Core.Operations;

/// <summary>
/// Translates <see cref="OperationFilter"/> and group fields into SQL over the <c>operations</c> table. Every value
/// (filter values, metadata keys, times) becomes a named parameter: nothing that arrived by telemetry or in a query
/// string is ever placed in the SQL text. The expressions reproduce <see cref="FilterFields.ValueOf"/> exactly: a
/// missing value is NULL, and NULL never equals a filter value.
/// </summary>
internal sealed class OperationSql
{
    private readonly List<DuckDBParameter> _parameters = [];

    /// <summary>The parameters added so far.</summary>
    public IReadOnlyList<DuckDBParameter> Parameters => _parameters;

    /// <summary>Adds a parameter and returns its placeholder.</summary>
    public string Add(object? value)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"p{_parameters.Count}");
        _parameters.Add(new DuckDBParameter(name, value));
        return "$" + name;
    }

    /// <summary>The SQL expression of a canonical field (a <see cref="FilterFields"/> name or metadata.&lt;key&gt;), prefixed with <paramref name="alias"/>.</summary>
    public string Field(string field, string alias = "o.")
    {
        ArgumentNullException.ThrowIfNull(field);
        if (field.StartsWith(FilterFields.MetadataPrefix, StringComparison.Ordinal) && field.Length > FilterFields.MetadataPrefix.Length)
        {
            var key = Add(field[FilterFields.MetadataPrefix.Length..]);
            return $"{alias}metadata_values[list_position({alias}metadata_keys, {key})]";
        }

        return alias + field switch
        {
            FilterFields.Model => "model",
            FilterFields.Provider => "provider",
            FilterFields.Application => "application",
            FilterFields.Environment => "environment",
            FilterFields.Operation => "operation",
            FilterFields.Function => "function_id",
            FilterFields.User => "user_id",
            FilterFields.Session => "session_id",
            FilterFields.Experiment => "experiment_key",
            FilterFields.Variant => "experiment_variant",
            FilterFields.Status => "status",
            FilterFields.ErrorCategory => "error_category",
            _ => throw new ArgumentException($"'{field}' is not a field; use one of: {string.Join(", ", FilterFields.All)}, metadata.<key>", nameof(field)),
        };
    }

    /// <summary>WHERE conditions (AND-joined, never empty) for the end-time range and the filter.</summary>
    public string Where(DateTimeOffset from, DateTimeOffset to, OperationFilter filter, string alias = "o.")
    {
        ArgumentNullException.ThrowIfNull(filter);
        var conditions = new List<string>
        {
            $"{alias}end_time >= {Add(from.UtcDateTime)}",
            $"{alias}end_time < {Add(to.UtcDateTime)}",
        };
        foreach (var clause in filter.Clauses)
        {
            if (clause.Values.Count == 0)
            {
                conditions.Add("false");
                continue;
            }

            if (clause.Field.StartsWith(FilterFields.MetadataPrefix, StringComparison.Ordinal) && clause.Field.Length > FilterFields.MetadataPrefix.Length)
            {
                // A substring search on metadata_text (the pair's encoding is unique), not list_position on every row.
                var key = clause.Field[FilterFields.MetadataPrefix.Length..];
                var pairs = clause.Values.Select(v => $"contains({alias}metadata_text, {Add(MetadataText.Pair(key, v))})");
                conditions.Add($"({string.Join(" OR ", pairs)})");
                continue;
            }

            var expression = Field(clause.Field, alias);
            var values = string.Join(", ", clause.Values.Select(v => Add(v)));
            conditions.Add($"{expression} IN ({values})");
        }

        return string.Join(" AND ", conditions);
    }

    /// <summary>Adds every parameter to a command.</summary>
    public void Bind(DuckDBCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var parameter in _parameters)
        {
            command.Parameters.Add(parameter);
        }
    }

    /// <summary>Maps a groupBy name (any case for fixed names, "day") to its canonical name.</summary>
    public static bool TryNormalizeGroup(string name, out string field)
    {
        if (string.Equals(name, "day", StringComparison.OrdinalIgnoreCase))
        {
            field = "day";
            return true;
        }

        return FilterFields.TryNormalize(name, out field);
    }
}
