using System.Text.RegularExpressions;

namespace Conciergus.Dashboard.Tests.Architecture;

/// <summary>
/// Keeps the arrows between the Core folders one way: every folder-to-folder use (a <c>using Conciergus.Core.X</c>
/// line, a fully qualified <c>Conciergus.Core.X.</c> name or a namespace-relative <c>X.Type</c>) must be listed in
/// <see cref="Allowed"/>, and the folders must form no cycle. Adding an arrow is a decision: add it to the table
/// here, in the same commit, and check that the cycle test still passes.
/// </summary>
public class CoreDependencyTests
{
    /// <summary>Folders every folder may use: the operation model and the small shared primitives (all leaves).</summary>
    public static readonly string[] Everyone = ["Model", "Refusals", "Changes"];

    /// <summary>
    /// Cycles that exist and are not fixed yet, exactly as <see cref="CoreDependencies.Cycles"/> reports them; a new one
    /// fails. Operations stores and queries trace spans (Traces types) while Traces filters with Operations'
    /// OperationFilter: moving OperationFilter (or the span records) to a leaf removes it; then delete the line.
    /// </summary>
    public static readonly string[] KnownCycles = ["Operations -> Traces -> Operations"];

    /// <summary>What each Core folder may use besides <see cref="Everyone"/>.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["Model"] = [],
        ["Refusals"] = [],
        ["Changes"] = [],
        ["Storage"] = [],
        ["Audit"] = ["Storage"],
        ["Pricing"] = [],
        ["Errors"] = ["Audit"],
        ["TimeSeries"] = ["Audit"],
        ["Collector"] = ["Errors", "Pricing", "TimeSeries"],
        ["Telemetry"] = ["Collector", "Errors", "Pricing"],
        ["Resilience"] = ["Errors", "Telemetry", "TimeSeries"],
        ["Export"] = [],
        ["Traces"] = ["Audit", "Collector", "Operations"],
        ["Operations"] = ["Audit", "Collector", "Pricing", "Storage", "TimeSeries", "Traces"],
        ["Health"] = ["Operations"],
        ["Logs"] = ["Audit", "Collector", "Errors"],
        ["Ingestion"] = ["Collector", "Logs", "Storage", "Traces"],
        ["Analytics"] = ["Errors", "Health", "Operations", "Pricing", "TimeSeries"],
        ["AppMetrics"] = ["Analytics", "Collector", "Ingestion", "Resilience", "TimeSeries"],
        ["Compliance"] = ["Audit", "Collector", "Export", "Operations", "Storage"],
        ["Experiments"] = ["Audit", "Collector", "Compliance", "Pricing", "Storage", "Telemetry", "TimeSeries"],
        ["Alerts"] = ["AppMetrics", "Audit", "Collector", "Compliance", "Experiments", "Health", "Ingestion", "Resilience", "Storage", "TimeSeries"],
        ["History"] = ["Alerts", "Collector", "Errors", "Operations", "TimeSeries", "Traces"],
    };

    [Fact]
    public void Edges_BetweenCoreFolders_AreAllInTheTable()
    {
        var edges = CoreDependencies.EdgesOf(CoreSources());

        Assert.NotEmpty(edges);
        Assert.Empty(CoreDependencies.Unlisted(edges, Allowed, Everyone));
    }

    [Fact]
    public void CoreFolders_FormNoCycle()
    {
        var edges = CoreDependencies.EdgesOf(CoreSources());

        Assert.Empty(CoreDependencies.Cycles(edges).Except(KnownCycles));
    }

    [Fact]
    public void AllowedTable_HasNoCycle()
    {
        var table = Allowed.ToDictionary(p => p.Key, p => new SortedSet<string>(p.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var (folder, uses) in table)
        {
            uses.UnionWith(Everyone.Where(e => e != folder && !Everyone.Contains(folder)));
        }

        Assert.Empty(CoreDependencies.Cycles(table).Except(KnownCycles));
    }

    public static TheoryData<string, string[], string[]> SyntheticCases() => new()
    {
        // name, files as "Folder/File.cs|source", expected findings (unlisted edges and cycles)
        {
            "listed edge passes",
            ["Errors/A.cs|using Conciergus.Core.Audit;\nnamespace Conciergus.Core.Errors;\nclass A { }"],
            []
        },
        {
            "extra edge through a using line fails",
            ["Pricing/A.cs|using Conciergus.Core.TimeSeries;\nnamespace Conciergus.Core.Pricing;\nclass A { }"],
            ["Pricing -> TimeSeries"]
        },
        {
            "extra edge through a fully qualified name fails",
            ["Audit/A.cs|namespace Conciergus.Core.Audit;\nclass A { Conciergus.Core.Alerts.AlertRule? R; }"],
            ["Audit -> Alerts"]
        },
        {
            "extra edge through a namespace-relative name fails",
            [
                "Audit/A.cs|namespace Conciergus.Core.Audit;\nclass A { Experiments.Experiment? E; Health.Reason R; }",
                "Experiments/Experiment.cs|namespace Conciergus.Core.Experiments;\npublic sealed class Experiment { }",
            ],
            ["Audit -> Experiments"]
        },
        {
            "comments do not count",
            ["Pricing/A.cs|// using Conciergus.Core.Alerts;\n/* Conciergus.Core.Alerts.X */\n/// <see cref=\"Conciergus.Core.Alerts.AlertRule\"/>\nnamespace Conciergus.Core.Pricing;"],
            []
        },
        {
            "a two-folder cycle fails",
            [
                "Errors/A.cs|using Conciergus.Core.Audit;\nnamespace Conciergus.Core.Errors;",
                "Audit/B.cs|using static Conciergus.Core.Errors.RecentErrors;\nnamespace Conciergus.Core.Audit;",
            ],
            ["Audit -> Errors", "cycle: Audit -> Errors -> Audit"]
        },
        {
            "a longer cycle is found",
            [
                "Collector/A.cs|using Conciergus.Core.TimeSeries;\nnamespace Conciergus.Core.Collector;",
                "TimeSeries/B.cs|using Conciergus.Core.Audit;\nnamespace Conciergus.Core.TimeSeries;",
                "Audit/C.cs|using Conciergus.Core.Collector;\nnamespace Conciergus.Core.Audit;",
            ],
            ["Audit -> Collector", "cycle: Audit -> Collector -> TimeSeries -> Audit"]
        },
        {
            "a new folder's edges must be listed",
            ["Billing/A.cs|using Conciergus.Core.Model;\nusing Conciergus.Core.Pricing;\nnamespace Conciergus.Core.Billing;"],
            ["Billing -> Pricing"]
        },
    };

    [Theory]
    [MemberData(nameof(SyntheticCases))]
    public void Checker_SyntheticSources_FindsUnlistedEdgesAndCycles(string name, string[] files, string[] expected)
    {
        var sources = files.Select(f => f.Split('|', 2)).Select(p => (p[0], p[1]));
        var edges = CoreDependencies.EdgesOf(sources);

        var findings = CoreDependencies.Unlisted(edges, Allowed, Everyone)
            .Concat(CoreDependencies.Cycles(edges).Select(c => "cycle: " + c));

        Assert.True(expected.SequenceEqual(findings), $"{name}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", findings)}]");
    }

    /// <summary>Every .cs file under src/Conciergus.Core (bin and obj excluded), by path relative to it.</summary>
    private static IEnumerable<(string Path, string Text)> CoreSources()
    {
        var root = Path.Combine(RepositoryRoot(), "src", "Conciergus.Core");
        return Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("bin/", StringComparison.Ordinal) && !f.StartsWith("obj/", StringComparison.Ordinal))
            .Select(f => (f, File.ReadAllText(Path.Combine(root, f))));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Conciergus.Dashboard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Conciergus.Dashboard.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Reads folder-to-folder edges out of C# sources and checks them (used by <see cref="CoreDependencyTests"/>).</summary>
internal static partial class CoreDependencies
{
    /// <summary>
    /// Edges between top-level folders: file "A/..." uses folder B through <c>Conciergus.Core.B</c> (using lines,
    /// <c>using static</c>, aliases, fully qualified names) or a namespace-relative <c>B.T</c> where T is a type (or
    /// sub-namespace) declared under folder B. Comments are ignored; string literals are kept intact so that a "//"
    /// inside one does not hide the rest of its line.
    /// </summary>
    public static SortedDictionary<string, SortedSet<string>> EdgesOf(IEnumerable<(string Path, string Text)> files)
    {
        var parsed = files
            .Select(f => (Parts: f.Path.Split('/'), Code: StripComments(f.Text)))
            .Where(f => f.Parts.Length >= 2)
            .ToList();

        // What each folder declares, so that "Health.Trend" counts and "Health.Reason" (a property) does not.
        var declared = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (parts, code) in parsed)
        {
            var names = declared.TryGetValue(parts[0], out var set) ? set : declared[parts[0]] = new HashSet<string>(StringComparer.Ordinal);
            names.UnionWith(Declaration().Matches(code).Select(m => m.Groups[1].Value));
            names.UnionWith(parts[1..^1]);
        }

        var edges = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var (parts, code) in parsed)
        {
            var from = parts[0];
            var targets = QualifiedName().Matches(code).Select(m => m.Groups[1].Value)
                .Concat(RelativeName().Matches(code)
                    .Where(m => declared.TryGetValue(m.Groups[1].Value, out var names) && names.Contains(m.Groups[2].Value))
                    .Select(m => m.Groups[1].Value));
            foreach (var to in targets.Where(t => t != from))
            {
                (edges.TryGetValue(from, out var set) ? set : edges[from] = new SortedSet<string>(StringComparer.Ordinal)).Add(to);
            }
        }

        return edges;
    }

    /// <summary>Edges ("A -> B") that neither the table nor the everyone-may-use list allows, in order.</summary>
    public static IReadOnlyList<string> Unlisted(
        IReadOnlyDictionary<string, SortedSet<string>> edges, IReadOnlyDictionary<string, string[]> allowed, IReadOnlyCollection<string> everyone) =>
        [.. from pair in edges
            from to in pair.Value
            where !everyone.Contains(to) && !(allowed.TryGetValue(pair.Key, out var ok) && ok.Contains(to))
            select $"{pair.Key} -> {to}"];

    /// <summary>
    /// One cycle ("A -> B -> A") per strongly connected group of more than one folder, starting at the group's first
    /// folder in ordinal order.
    /// </summary>
    public static IReadOnlyList<string> Cycles(IReadOnlyDictionary<string, SortedSet<string>> edges)
    {
        var cycles = new List<string>();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in edges.Keys.Order(StringComparer.Ordinal))
        {
            if (reported.Contains(start) || PathBack(edges, start) is not { } path)
            {
                continue;
            }

            // Everything that both reaches start and is reached from it belongs to the same group: report it once.
            foreach (var folder in Reachable(edges, start).Where(f => Reachable(edges, f).Contains(start)))
            {
                reported.Add(folder);
            }

            cycles.Add(string.Join(" -> ", path));
        }

        return cycles;
    }

    /// <summary>The shortest path start -> ... -> start (breadth first, neighbours in ordinal order), or null.</summary>
    private static List<string>? PathBack(IReadOnlyDictionary<string, SortedSet<string>> edges, string start)
    {
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>([start]);
        while (queue.TryDequeue(out var node))
        {
            foreach (var next in edges.TryGetValue(node, out var targets) ? targets : [])
            {
                if (next == start)
                {
                    var path = new List<string> { start };
                    for (var n = node; n != start; n = previous[n])
                    {
                        path.Insert(1, n);
                    }

                    path.Add(start);
                    return path;
                }

                if (previous.TryAdd(next, node))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return null;
    }

    private static HashSet<string> Reachable(IReadOnlyDictionary<string, SortedSet<string>> edges, string start)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([start]);
        while (stack.TryPop(out var node))
        {
            foreach (var next in edges.TryGetValue(node, out var targets) ? targets : [])
            {
                if (seen.Add(next))
                {
                    stack.Push(next);
                }
            }
        }

        return seen;
    }

    private static string StripComments(string code) =>
        CommentOrString().Replace(code, m => m.Value.StartsWith('/') ? " " : m.Value);

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@""(?:""""|[^""])*""|""(?:\\.|[^""\\\n])*""", RegexOptions.Singleline)]
    private static partial Regex CommentOrString();

    [GeneratedRegex(@"\bConciergus\.Core\.([A-Z]\w*)")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"(?<![\w.])([A-Z]\w*)\.([A-Z]\w*)")]
    private static partial Regex RelativeName();

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum)\s+([A-Z]\w*)")]
    private static partial Regex Declaration();
}
