using System.Runtime.CompilerServices;

namespace Conciergus.Dashboard.Tests;

/// <summary>
/// Process-wide settings for the test run, applied once when the assembly loads.
/// </summary>
/// <remarks>
/// The dashboards under test run inside this process (WebApplicationFactory, Kestrel for the browser tests), beside
/// test code that must block a thread now and then (synchronous <c>Dispose</c> of a factory waits for its host to stop
/// and its files to close). On two cores the thread pool starts with two worker threads and adds more only slowly
/// when they are blocked, so at a busy moment an app's stop, a sign-in redirect or a webhook delivery waited tens of
/// seconds for a thread (CI: a 200 ms test took 57 s, a host took over 30 s to close LiteDB). A higher floor lets the
/// pool hand out threads at once; it changes nothing in the product, which does not block pool threads.
/// </remarks>
internal static class TestProcessSetup
{
    /// <summary>Worker and I/O threads the pool creates on demand before it starts throttling.</summary>
    internal const int MinimumThreads = 64;

    [ModuleInitializer]
    internal static void RaiseThreadPoolFloor()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, MinimumThreads), Math.Max(io, MinimumThreads));
    }
}
