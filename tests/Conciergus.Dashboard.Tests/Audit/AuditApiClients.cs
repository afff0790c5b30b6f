using Conciergus.Dashboard.Tests.Endpoints;

namespace Conciergus.Dashboard.Tests.Audit;

/// <summary>
/// The one place audit and privacy tests get an HTTP client. Until sign-in lands these endpoints need no
/// credentials; afterwards add the Admin API key header here (one line) and every test follows.
/// </summary>
internal static class AuditApiClients
{
    /// <summary>A client for the in-process app.</summary>
    public static HttpClient Create(ConciergusAppFactory factory) => Authorize(factory.CreateClient());

    /// <summary>A client for an app listening on <paramref name="baseAddress"/> (child process, Kestrel).</summary>
    public static HttpClient Create(Uri baseAddress) => Authorize(new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) });

    private static HttpClient Authorize(HttpClient client) => client;
}
