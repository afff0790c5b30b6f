using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>
/// Every endpoint and every page the app maps, found through its EndpointDataSource (so endpoints added later are
/// covered without touching this test), against anonymous, Viewer, Operator and Admin callers.
/// </summary>
public sealed partial class RoleMatrixTests(ITestOutputHelper output) : IDisposable
{
    private static readonly ConciergusRole[] Roles = [ConciergusRole.Viewer, ConciergusRole.Operator, ConciergusRole.Admin];

    private readonly ConciergusAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private sealed record Call(string Method, string Path, RouteEndpoint Endpoint)
    {
        public override string ToString() => $"{Method} {Path}";
    }

    private List<RouteEndpoint> Endpoints()
    {
        using var _ = _factory.CreateClient(); // starts the app
        return _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
    }

    // Route parameters get harmless sample values: {userId} -> "matrix-user", {id:int} -> "1".
    private static string SamplePath(RouteEndpoint endpoint) =>
        "/" + RouteParameter().Replace(endpoint.RoutePattern.RawText!.TrimStart('/'), m =>
            m.Groups[2].Value.Contains("int", StringComparison.Ordinal) || m.Groups[2].Value.Contains("long", StringComparison.Ordinal) ? "1" : "matrix-" + m.Groups[1].Value.ToLowerInvariant());

    private List<Call> ApiCalls(Func<RouteEndpoint, bool> which) =>
        Endpoints()
            .Where(e => e.RoutePattern.RawText is { } raw && raw.TrimStart('/').StartsWith("api/v1", StringComparison.Ordinal) && which(e))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => new Call(m, SamplePath(e), e)))
            .ToList();

    // The rule, written independently of the production code: declared role, else reads Viewer and writes Operator.
    private static ConciergusRole ExpectedRole(Call call) =>
        (call.Endpoint.Metadata.GetOrderedMetadata<RequiredRoleMetadata>() is { Count: > 0 } declared ? declared[^1].Role : (ConciergusRole?)null)
        ?? (call.Method is "GET" or "HEAD" ? ConciergusRole.Viewer : ConciergusRole.Operator);

    private static HttpRequestMessage Request(Call call)
    {
        var request = new HttpRequestMessage(new HttpMethod(call.Method), call.Path);
        if (call.Method is not ("GET" or "HEAD" or "DELETE"))
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        return request;
    }

    [Fact]
    public async Task ApiEndpoints_EachRole_GetsExactlyWhatItsRoleAllows()
    {
        var calls = ApiCalls(e => e.Metadata.GetMetadata<IngestionEndpointMetadata>() is null);
        Assert.Contains(calls, c => c.Path == "/api/v1/summary"); // the enumeration found the read API

        using var anonymous = _factory.CreateClient();
        var clients = Roles.ToDictionary(r => r, _factory.CreateApiClient);
        var failures = new List<string>();
        foreach (var call in calls)
        {
            var required = ExpectedRole(call);
            using (var response = await anonymous.SendAsync(Request(call)))
            {
                output.WriteLine($"{call} needs {required}: anonymous -> {(int)response.StatusCode}");
                if (response.StatusCode != HttpStatusCode.Unauthorized)
                {
                    failures.Add($"{call} anonymous: {(int)response.StatusCode}, expected 401");
                }
            }

            foreach (var role in Roles)
            {
                using var response = await clients[role].SendAsync(Request(call));
                var status = response.StatusCode;
                output.WriteLine($"{call}: {role} -> {(int)status}");
                if (role < required && status != HttpStatusCode.Forbidden)
                {
                    failures.Add($"{call} as {role}: {(int)status}, expected 403 (needs {required})");
                }
                else if (role >= required && status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                {
                    failures.Add($"{call} as {role}: {(int)status}, expected to be let in (needs {required})");
                }
            }
        }

        foreach (var client in clients.Values)
        {
            client.Dispose();
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task IngestionEndpoints_ApiKeysRejected_IngestionKeyAccepted()
    {
        var calls = ApiCalls(e => e.Metadata.GetMetadata<IngestionEndpointMetadata>() is not null);
        Assert.NotEmpty(calls);
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);
        using var ingestion = _factory.CreateIngestionClient();
        foreach (var call in calls)
        {
            using var withApiKey = await admin.SendAsync(Request(call));
            Assert.True(withApiKey.StatusCode == HttpStatusCode.Unauthorized, $"{call} with an Admin API key: {(int)withApiKey.StatusCode}");

            using var withIngestionKey = await ingestion.SendAsync(Request(call));
            Assert.True(
                withIngestionKey.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden),
                $"{call} with the ingestion key: {(int)withIngestionKey.StatusCode}");
        }
    }

    [Fact]
    public async Task ReadApi_IngestionKey_Returns401()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", ConciergusAppFactory.IngestionKey);

        var response = await client.GetAsync("/api/v1/summary");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/healthz")]
    public async Task Health_Anonymous_Returns200(string path)
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private List<(string Path, ConciergusRole? Required)> Pages() =>
        Endpoints()
            .Where(e => e.Metadata.GetMetadata<ComponentTypeMetadata>() is not null && e.RoutePattern.Parameters.Count == 0)
            .Select(e =>
            {
                ConciergusRole? required = e.Metadata.GetMetadata<IAllowAnonymous>() is not null ? null : ConciergusRole.Viewer;
                foreach (var data in e.Metadata.GetOrderedMetadata<IAuthorizeData>())
                {
                    if (data.Policy is { } policy && Roles.FirstOrDefault(r => ConciergusPolicies.For(r) == policy) is var role && role != 0 && role > required)
                    {
                        required = role;
                    }
                }

                return ("/" + e.RoutePattern.RawText!.TrimStart('/'), required);
            })
            .Distinct()
            .ToList();

    [Fact]
    public async Task Pages_Anonymous_RedirectToLoginUnlessPublic()
    {
        var pages = Pages();
        Assert.Contains(pages, p => p.Path == "/");
        Assert.Contains(pages, p => p.Path == "/login" && p.Required is null);
        using var client = _factory.CreateClient(new() { AllowAutoRedirect = false });
        foreach (var (path, required) in pages)
        {
            using var response = await client.GetAsync(path);
            output.WriteLine($"{path} anonymous -> {(int)response.StatusCode} {response.Headers.Location}");
            if (required is null)
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
            }
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{path}: {(int)response.StatusCode}");
                Assert.StartsWith("/login?ReturnUrl=", response.Headers.Location!.PathAndQuery, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public async Task Pages_EachRole_SeesItsPagesAndIsDeniedTheOthers()
    {
        var pages = Pages();
        Assert.Contains(pages, p => p.Path == "/admin" && p.Required == ConciergusRole.Admin);
        foreach (var role in Roles)
        {
            using var client = await _factory.CreateSignedInClientAsync(role);
            foreach (var (path, required) in pages)
            {
                using var response = await client.GetAsync(path);
                output.WriteLine($"{path} as {role} -> {(int)response.StatusCode} {response.Headers.Location}");
                if (required is null || role >= required)
                {
                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} as {role}: {(int)response.StatusCode} {response.Headers.Location}");
                }
                else
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{path} as {role}: {(int)response.StatusCode}");
                    Assert.StartsWith("/access-denied", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public async Task ApiPath_SignedInCookieWithoutApiKey_WriteIsRejectedReadIsAllowed()
    {
        using var client = await _factory.CreateSignedInClientAsync(ConciergusRole.Admin);

        using var read = await client.GetAsync("/api/v1/summary");
        using var write = await client.PostAsync("/api/v1/matrix-write", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode); // cookies never authorize API writes (no CSRF)
    }

    [GeneratedRegex(@"\{\*{0,2}([A-Za-z0-9_]+)([^}]*)\}")]
    private static partial Regex RouteParameter();
}
