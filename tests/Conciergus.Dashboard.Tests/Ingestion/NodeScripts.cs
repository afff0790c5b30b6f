namespace Conciergus.Dashboard.Tests.Ingestion;

/// <summary>Finds the source folder of a node script the tests run (node_modules is installed there by npm ci on build).</summary>
internal static class NodeScripts
{
    /// <summary>tests/Conciergus.Dashboard.Tests/&lt;parts&gt;, found from the test binaries upwards (it holds send.mjs).</summary>
    public static string Directory(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine([dir.FullName, "tests", "Conciergus.Dashboard.Tests", .. parts]);
            if (File.Exists(Path.Combine(candidate, "send.mjs")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"tests/Conciergus.Dashboard.Tests/{string.Join('/', parts)}/send.mjs not found above {AppContext.BaseDirectory}");
    }
}
