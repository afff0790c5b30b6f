using Conciergus.Core.Audit;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>The sign-in flow against the real hash-chained audit log (not the recording fake).</summary>
public sealed class RealAuditTrailTests : IDisposable
{
    private readonly ConciergusAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task SignInFlow_WritesInitialAdminLoginFailureAndLoginToAVerifiedChain()
    {
        using var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        await ConciergusAppFactory.SignInAsync(client, "admin", "wrong-password-0000");
        await ConciergusAppFactory.SignInAsync(client, "someone@example.com", "wrong-password-0000");
        await ConciergusAppFactory.SignInAsync(client, "admin", ConciergusAppFactory.AdminPassword);

        var log = _factory.Services.GetRequiredService<AuditLog>();
        var entries = log.Query(new AuditQuery { Limit = 100 }).Entries.OrderBy(e => e.Sequence).ToList();
        Assert.Equal(
            [("system", "user.create"), ("admin", "auth.login_failed"), (SecurityAudit.UnknownActor, "auth.login_failed"), ("admin", "auth.login")],
            entries.Select(e => (e.Actor, e.Action)));
        Assert.DoesNotContain(entries, e => (e.Target ?? "").Contains("someone", StringComparison.Ordinal));
        var verification = await log.VerifyAsync();
        Assert.True(verification.Valid, verification.Reason);
        Assert.Equal(4, verification.Entries);
    }
}
