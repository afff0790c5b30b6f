using System.Globalization;
using Conciergus.Core.Model;

namespace Conciergus.Core.Operations;

/// <summary>
/// A filter over operations: clauses combined with AND, the values of one clause with OR (DESIGN.md section 11).
/// <see cref="Matches"/> is the reference semantics: the in-memory series and the operation store must agree with it.
/// </summary>
public sealed record OperationFilter
{
    /// <summary>The filter that keeps every operation.</summary>
    public static OperationFilter Empty { get; } = new([]);

    /// <summary>Creates a filter from its clauses (at most one clause per field).</summary>
    public OperationFilter(IReadOnlyList<FilterClause> clauses) => Clauses = clauses;

    /// <summary>The clauses, AND-combined, in the order they were given.</summary>
    public IReadOnlyList<FilterClause> Clauses { get; }

    /// <summary>Whether the filter keeps everything.</summary>
    public bool IsEmpty => Clauses.Count == 0;

    /// <summary>Whether <paramref name="operation"/> passes every clause.</summary>
    public bool Matches(AiOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        foreach (var clause in Clauses)
        {
            if (!clause.Matches(operation))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The clause for <paramref name="field"/>, if any.</summary>
    public FilterClause? Clause(string field) => Clauses.FirstOrDefault(c => string.Equals(c.Field, field, StringComparison.Ordinal));

    /// <summary>The filter as query-string pairs (field, comma-joined values), for links and the URL.</summary>
    public IEnumerable<KeyValuePair<string, string>> ToQuery() =>
        Clauses.Select(c => new KeyValuePair<string, string>(c.Field, string.Join(',', c.Values)));

    /// <inheritdoc />
    public bool Equals(OperationFilter? other) =>
        other is not null && Clauses.SequenceEqual(other.Clauses);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var clause in Clauses)
        {
            hash.Add(clause);
        }

        return hash.ToHashCode();
    }

    /// <summary>
    /// Reads the filter fields out of a query string. Parameters named in <paramref name="notFilters"/> (window, step,
    /// groupBy, ...) are skipped; any other name that is not a filter field is an error that lists the valid names.
    /// A comma inside a value means OR; repeating a parameter adds values to the same clause.
    /// </summary>
    public static bool TryParse(
        IEnumerable<KeyValuePair<string, IReadOnlyList<string?>>> query,
        IReadOnlySet<string> notFilters,
        out OperationFilter filter,
        out string? error)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(notFilters);
        var clauses = new List<FilterClause>();
        foreach (var (name, rawValues) in query)
        {
            if (notFilters.Contains(name))
            {
                continue;
            }

            if (!FilterFields.TryNormalize(name, out var field))
            {
                filter = Empty;
                error = $"'{name}' is not a filter; use one of: {string.Join(", ", FilterFields.All)}, metadata.<key>";
                return false;
            }

            var values = rawValues
                .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (values.Count == 0)
            {
                filter = Empty;
                error = $"filter '{name}' needs a value";
                return false;
            }

            if (field == FilterFields.Status && values.FirstOrDefault(v => v is not ("ok" or "error")) is { } badStatus)
            {
                filter = Empty;
                error = $"status '{badStatus}' is not allowed; use ok or error";
                return false;
            }

            if (field == FilterFields.ErrorCategory && values.FirstOrDefault(v => !ErrorCategoryNames.TryParse(v, out _)) is { } badCategory)
            {
                filter = Empty;
                error = $"errorCategory '{badCategory}' is not a category";
                return false;
            }

            var existing = clauses.FindIndex(c => c.Field == field);
            if (existing >= 0)
            {
                clauses[existing] = new FilterClause(field, clauses[existing].Values.Concat(values).Distinct(StringComparer.Ordinal).ToList());
            }
            else
            {
                clauses.Add(new FilterClause(field, values));
            }
        }

        filter = clauses.Count == 0 ? Empty : new OperationFilter(clauses);
        error = null;
        return true;
    }
}

/// <summary>One field and the values it may take (OR).</summary>
/// <param name="Field">A <see cref="FilterFields"/> name, or <c>metadata.&lt;key&gt;</c>.</param>
/// <param name="Values">Accepted values (at least one).</param>
public sealed record FilterClause(string Field, IReadOnlyList<string> Values)
{
    /// <summary>Whether the operation's value for <see cref="Field"/> is one of <see cref="Values"/>.</summary>
    public bool Matches(AiOperation operation)
    {
        var value = FilterFields.ValueOf(operation, Field);
        if (value is null)
        {
            return false;
        }

        foreach (var accepted in Values)
        {
            if (string.Equals(value, accepted, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public bool Equals(FilterClause? other) =>
        other is not null && Field == other.Field && Values.SequenceEqual(other.Values);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Field, Values.Count);
}

/// <summary>The names a filter (and a <c>groupBy</c>) may use, and how each reads an operation.</summary>
public static class FilterFields
{
    /// <summary>Model used for grouping (<see cref="AiOperation.Model"/>: requested, else response model).</summary>
    public const string Model = "model";

    /// <summary>Provider.</summary>
    public const string Provider = "provider";

    /// <summary>Application (service.name).</summary>
    public const string Application = "application";

    /// <summary>Deployment environment.</summary>
    public const string Environment = "environment";

    /// <summary>Operation kind (chat, embeddings, ...).</summary>
    public const string Operation = "operation";

    /// <summary>Function id.</summary>
    public const string Function = "function";

    /// <summary>End user id.</summary>
    public const string User = "user";

    /// <summary>Session id.</summary>
    public const string Session = "session";

    /// <summary>Experiment key.</summary>
    public const string Experiment = "experiment";

    /// <summary>Experiment variant key.</summary>
    public const string Variant = "variant";

    /// <summary><c>ok</c> or <c>error</c>.</summary>
    public const string Status = "status";

    /// <summary>Error category wire name (rate_limit, timeout, ...); <c>none</c> for successful calls.</summary>
    public const string ErrorCategory = "errorCategory";

    /// <summary>Prefix of a metadata field: <c>metadata.&lt;key&gt;</c>.</summary>
    public const string MetadataPrefix = "metadata.";

    /// <summary>Every fixed field name, in the order error messages list them.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Model, Provider, Application, Environment, Operation, Function, User, Session, Experiment, Variant, Status, ErrorCategory];

    /// <summary>Maps a query parameter name to its canonical field name (fixed names ignore case; metadata keys keep theirs).</summary>
    public static bool TryNormalize(string name, out string field)
    {
        if (name.StartsWith(MetadataPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > MetadataPrefix.Length)
        {
            field = MetadataPrefix + name[MetadataPrefix.Length..];
            return true;
        }

        field = All.FirstOrDefault(f => string.Equals(f, name, StringComparison.OrdinalIgnoreCase)) ?? "";
        return field.Length > 0;
    }

    /// <summary>The operation's value for a canonical field; null when the operation has none.</summary>
    public static string? ValueOf(AiOperation operation, string field)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(field);
        return field switch
        {
            Model => operation.Model,
            Provider => operation.Provider,
            Application => operation.Application,
            Environment => operation.Environment,
            Operation => operation.Operation,
            Function => operation.FunctionId,
            User => operation.UserId,
            Session => operation.SessionId,
            Experiment => operation.ExperimentKey,
            Variant => operation.ExperimentVariant,
            Status => operation.Status == AiOperationStatus.Error ? "error" : "ok",
            ErrorCategory => operation.ErrorCategory.ToWireName(),
            _ when field.StartsWith(MetadataPrefix, StringComparison.Ordinal) =>
                operation.Metadata is { } metadata && metadata.TryGetValue(field[MetadataPrefix.Length..], out var v) ? v : null,
            _ => throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"'{field}' is not a filter field"), nameof(field)),
        };
    }
}
