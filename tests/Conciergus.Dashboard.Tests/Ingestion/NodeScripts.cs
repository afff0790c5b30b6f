using System.Diagnostics;

namespace Conciergus.Dashboard.Tests.Ingestion;

/// <summary>Finds and runs the node scripts the tests use (node_modules is installed beside each by npm ci on build).</summary>
internal static class NodeScripts
{
    /// <summary>Runs <c>node send.mjs &lt;args&gt;</c> in <paramref name="directory"/> and fails the test, with its output, unless it exits 0.</summary>
    public static async Task RunSendAsync(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("send.mjs");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"node send.mjs exited with {process.ExitCode}: {await stdout} {await stderr} (run 'npm ci' in {directory})");
    }

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
