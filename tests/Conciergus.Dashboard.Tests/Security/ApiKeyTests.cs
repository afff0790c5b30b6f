using System.Net;
using System.Security.Claims;
using System.Text;
using Conciergus.Core.Storage;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Security;

public sealed class ApiKeyTests : IDisposable
{
    private readonly RecordingAuditLog _audit = new();
    private readonly ConciergusAppFactory _factory;

    public ApiKeyTests() => _factory = new ConciergusAppFactory(configureServices: RecordingAuditLog.Into(_audit));

    public void Dispose() => _factory.Dispose();

    private static readonly ClaimsPrincipal Admin = ConciergusClaims.Principal("admin", ConciergusRole.Admin, "test");

    [Fact]
    public async Task Read_KeyAsXApiKeyHeader_Returns200()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ConciergusAppFactory.ApiKeys[ConciergusRole.Viewer]);

        var response = await client.GetAsync("/api/v1/summary");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Read_KeyAsBearer_Returns200()
    {
        using var client = _factory.CreateApiClient(ConciergusRole.Viewer);

        var response = await client.GetAsync("/api/v1/summary");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Read_WrongKeyOfEqualLength_Returns401()
    {
        var right = ConciergusAppFactory.ApiKeys[ConciergusRole.Viewer];
        var wrongLast = right[..^1] + (right[^1] == 'x' ? 'y' : 'x');
        var wrongFirst = (right[0] == 'x' ? 'y' : 'x') + right[1..];
        using var client = _factory.CreateClient();

        foreach (var wrong in new[] { wrongLast, wrongFirst })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/summary");
            request.Headers.Authorization = new("Bearer", wrong);
            var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task CreatedKey_WorksUntilRevoked_StoredOnlyAsDigest()
    {
        var admin = _factory.Services.GetRequiredService<UserAdministration>();
        var (info, secret) = await admin.CreateKeyAsync(Admin, ConciergusRole.Operator, "ci pipeline");
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", secret);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/summary")).StatusCode);
        Assert.Contains(admin.ListKeys(Admin), k => k.Id == info.Id && k.Role == ConciergusRole.Operator && k.LastUsed is not null);
        var database = _factory.Services.GetRequiredService<ConciergusDatabase>();
        database.Database.Checkpoint();
        using (var stream = new FileStream(database.FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            Assert.True(copy.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, "the key is in the database file");
        }

        Assert.True((await admin.RevokeKeyAsync(Admin, info.Id)).Succeeded);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/summary")).StatusCode);
        Assert.Equal(["apikey.create", "apikey.revoke"], _audit.Events.Where(e => e.Action.StartsWith("apikey.", StringComparison.Ordinal)).Select(e => e.Action));
        Assert.All(_audit.Events.Where(e => e.Action.StartsWith("apikey.", StringComparison.Ordinal)), e => Assert.Equal($"api-key:{info.Id}", e.Target));
    }

    [Fact]
    public async Task UserAdministration_NonAdminActor_Throws()
    {
        var admin = _factory.Services.GetRequiredService<UserAdministration>();
        var operatorUser = ConciergusClaims.Principal("op", ConciergusRole.Operator, "test");

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => admin.CreateKeyAsync(operatorUser, ConciergusRole.Admin, null));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => admin.CreateUserAsync(operatorUser, "mallory", "long-enough-password", ConciergusRole.Admin));
        Assert.Throws<UnauthorizedAccessException>(() => admin.ListUsers(operatorUser));
    }

    [Fact]
    public async Task UserAdministration_UserLifecycle_IsAuditedAndKeepsLastAdmin()
    {
        var admin = _factory.Services.GetRequiredService<UserAdministration>();
        using var _ = _factory.CreateClient();

        Assert.True((await admin.CreateUserAsync(Admin, "dana", "dana-password-123", ConciergusRole.Viewer)).Succeeded);
        Assert.False((await admin.CreateUserAsync(Admin, "DANA", "dana-password-123", ConciergusRole.Viewer)).Succeeded);
        Assert.False((await admin.CreateUserAsync(Admin, "eve", "short", ConciergusRole.Viewer)).Succeeded);
        Assert.True((await admin.ChangeRoleAsync(Admin, "dana", ConciergusRole.Operator)).Succeeded);
        Assert.True((await admin.ResetPasswordAsync(Admin, "dana", "dana-password-456")).Succeeded);
        Assert.False((await admin.ChangeRoleAsync(Admin, "admin", ConciergusRole.Viewer)).Succeeded); // the last Admin
        Assert.True((await admin.DeleteUserAsync(Admin, "dana")).Succeeded);

        Assert.Equal(
            ["user.create", "user.create", "user.update", "user.password_reset", "user.delete"],
            _audit.Events.Where(e => e.Action.StartsWith("user.", StringComparison.Ordinal)).Select(e => e.Action));
        Assert.DoesNotContain(_audit.Events, e => e.Details?.Values.Any(v => v.Contains("password-", StringComparison.Ordinal)) == true);
    }
}
