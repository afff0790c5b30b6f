using BenchmarkDotNet.Running;
using Conciergus.Benchmarks;

if (args is ["series-memory", ..])
{
    SeriesMemoryReport.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 500);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
