namespace Conciergus.Core.Export;

/// <summary>
/// The one CSV writer of every export (Cost page, decision log, audit trail): RFC 4180 quoting, and formula
/// neutralisation (OWASP "CSV injection"): a cell that starts with <c>= + - @</c>, a tab or a carriage return would be
/// run by a spreadsheet as a formula, so it gets a leading single quote and is read as text. Every cell goes through it,
/// numbers too (ours never start with one of those characters, except negative values, which then read as text).
/// </summary>
public static class CsvWriter
{
    private static readonly char[] QuoteTriggers = [',', '"', '\r', '\n'];

    /// <summary>One cell: neutralised when it starts like a formula, quoted when it holds a comma, quote or line break.</summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny(QuoteTriggers) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>One record (no line ending): the cells, each through <see cref="Cell"/>, joined by commas.</summary>
    public static string Line(IEnumerable<string?> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        return string.Join(',', cells.Select(Cell));
    }

    /// <summary>One record (no line ending) of the given cells.</summary>
    public static string Line(params string?[] cells) => Line((IEnumerable<string?>)cells);
}
