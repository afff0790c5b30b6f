using System.Text;
using DuckDB.NET.Data;

namespace Conciergus.Core.Operations;

/// <summary>
/// The writer's scratch for appending rows (one per writer, used under its write lock). Strings go to DuckDB as UTF-8
/// bytes encoded into one reused buffer: DuckDB.NET's string overload marshals each value afresh to a NUL-terminated copy
/// (the writer's CPU per trace -9%: bench/README.md, "Would a staged writer pay?").
/// </summary>
internal sealed class AppendScratch
{
    private byte[] _utf8 = new byte[256];

    /// <summary>Metadata or attribute keys (the appender copies a list's items into its vector at once).</summary>
    public List<string> Keys { get; } = [];

    /// <summary>The values matching <see cref="Keys"/>.</summary>
    public List<string> Values { get; } = [];

    /// <summary>For <see cref="MetadataText.Encode"/>.</summary>
    public StringBuilder Text { get; } = new();

    /// <summary>Appends each of <paramref name="values"/> to the next VARCHAR columns, in order.</summary>
    public void Append(IDuckDBAppenderRow row, params ReadOnlySpan<string?> values)
    {
        foreach (var value in values)
        {
            Append(row, value);
        }
    }

    /// <summary>Appends <paramref name="value"/> (null as NULL) to a VARCHAR column.</summary>
    public IDuckDBAppenderRow Append(IDuckDBAppenderRow row, string? value)
    {
        if (value is null)
        {
            return row.AppendNullValue();
        }

        if (value.Length == 0)
        {
            return row.AppendValue(string.Empty); // an empty span has no address to hand over
        }

        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_utf8.Length < max)
        {
            _utf8 = new byte[Math.Max(max, _utf8.Length * 2)];
        }

        // Encoding replaces a lone surrogate with U+FFFD, as the string overload's marshaller does.
        return row.AppendValue(_utf8.AsSpan(0, Encoding.UTF8.GetBytes(value, _utf8)));
    }
}
