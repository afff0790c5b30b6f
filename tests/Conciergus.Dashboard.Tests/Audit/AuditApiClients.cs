using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;

namespace Conciergus.Dashboard.Tests.Audit;

/// <summary>
/// The one place audit and privacy tests get an HTTP client: it carries the Admin API key configured by
/// <see cref="ConciergusAppFactory"/> (child processes get the same key, see <see cref="AdminApiKeyEnvironment"/>).
/// </summary>
internal static class AuditApiClients
{
    /// <summary>A client for the in-process app.</summary>
    public static HttpClient Create(ConciergusAppFactory factory) => Authorize(factory.CreateClient());

    /// <summary>A client for an app listening on <paramref name="baseAddress"/> (child process, Kestrel).</summary>
    public static HttpClient Create(Uri baseAddress) => Authorize(new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) });

    /// <summary>Environment variables that configure the Admin API key in a child-process app.</summary>
    public static IReadOnlyDictionary<string, string> AdminApiKeyEnvironment { get; } = new Dictionary<string, string>
    {
        ["Conciergus__Api__Keys__0__Key"] = ConciergusAppFactory.ApiKeys[ConciergusRole.Admin],
        ["Conciergus__Api__Keys__0__Role"] = nameof(ConciergusRole.Admin),
    };

    private static HttpClient Authorize(HttpClient client)
    {
        client.DefaultRequestHeaders.Authorization = new("Bearer", ConciergusAppFactory.ApiKeys[ConciergusRole.Admin]);
        return client;
    }
}
