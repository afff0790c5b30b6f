using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Conciergus.Dashboard.Tests.Endpoints;

/// <summary>Clients for apps derived from <see cref="ConciergusAppFactory"/> (e.g. WithWebHostBuilder) that carry an API key.</summary>
public static class AuthenticatedClients
{
    /// <summary>A client sending the configured API key of <paramref name="role"/> (default Admin) as Authorization: Bearer.</summary>
    public static HttpClient CreateApiKeyClient(this WebApplicationFactory<Program> app, ConciergusRole role = ConciergusRole.Admin)
    {
        ArgumentNullException.ThrowIfNull(app);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", ConciergusAppFactory.ApiKeys[role]);
        return client;
    }
}
