using System.Net;
using System.Security.Claims;
using System.Text;
using Conciergus.Core.Audit;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>"Who did it" is worked out in one place, and always with the highest role the principal holds.</summary>
public sealed class ActorFactoryTests
{
    [Fact]
    public void Of_ViewerClaimBeforeAdminClaim_IsAdmin()
    {
        var principal = ViewerThenAdmin("ops-lead", "test");

        var actor = ActorFactory.Of(principal, "203.0.113.7");

        Assert.Equal(new Actor("ops-lead", "Admin", "203.0.113.7"), actor);
    }

    [Fact]
    public void Of_HttpContext_TakesUserAndRemoteAddress()
    {
        var http = new DefaultHttpContext { User = ViewerThenAdmin("ops-lead", "test") };
        http.Connection.RemoteIpAddress = IPAddress.Parse("198.51.100.4");

        Assert.Equal(new Actor("ops-lead", "Admin", "198.51.100.4"), ActorFactory.Of(http));
    }

    [Theory]
    [InlineData(ConciergusRole.Viewer, "Viewer")]
    [InlineData(ConciergusRole.Operator, "Operator")]
    [InlineData(ConciergusRole.Admin, "Admin")]
    public void Of_OneRole_IsThatRole(ConciergusRole role, string expected) =>
        Assert.Equal(expected, ActorFactory.Of(ConciergusClaims.Principal("api-key:k1", role, "ApiKey")).Role);

    [Fact]
    public void Of_NobodySignedIn_IsAnonymousWithoutRole()
    {
        var actor = ActorFactory.Of(new ClaimsPrincipal(new ClaimsIdentity()));

        Assert.Equal(("anonymous", "None"), (actor.Name, actor.Role));
        Assert.Equal(Actor.System, ActorFactory.OfPage(new ClaimsPrincipal(new ClaimsIdentity())));
    }

    [Fact]
    public async Task CreateExperiment_PrincipalWithViewerThenAdminClaims_IsAuditedAsAdmin()
    {
        var audit = new RecordingAuditLog();
        await using var factory = new ConciergusAppFactory(configureServices: services =>
        {
            RecordingAuditLog.Into(audit)(services);
            services.AddSingleton<IClaimsTransformation, ViewerClaimFirst>();
        });
        using var client = factory.CreateApiClient(ConciergusRole.Admin);

        using var body = new StringContent(
            """{"key": "multi-role", "name": "Multi role", "type": "prompt", "variants": [{"key": "control", "weight": 0.5}, {"key": "b", "weight": 0.5}]}""",
            Encoding.UTF8,
            "application/json");
        var response = await client.PostAsync("/api/v1/experiments", body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = Assert.Single(audit.Events, e => e.Action == "experiment.create");
        Assert.StartsWith("api-key:", created.Actor, StringComparison.Ordinal);
        Assert.Equal("Admin", created.Role);
    }

    private static ClaimsPrincipal ViewerThenAdmin(string name, string authenticationType)
    {
        var identity = new ClaimsIdentity(authenticationType, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, name));
        identity.AddClaim(new Claim(ClaimTypes.Role, nameof(ConciergusRole.Viewer)));
        identity.AddClaim(new Claim(ClaimTypes.Role, nameof(ConciergusRole.Admin)));
        return new ClaimsPrincipal(identity);
    }

    /// <summary>Rebuilds a signed-in principal so that a Viewer role claim comes before its own (higher) role.</summary>
    private sealed class ViewerClaimFirst : IClaimsTransformation
    {
        public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
        {
            if (principal.Identity is not ClaimsIdentity { IsAuthenticated: true } identity
                || principal.FindFirst(ClaimTypes.Role)?.Value == nameof(ConciergusRole.Viewer))
            {
                return Task.FromResult(principal);
            }

            var rebuilt = new ClaimsIdentity(identity.AuthenticationType, ClaimTypes.Name, ClaimTypes.Role);
            rebuilt.AddClaim(new Claim(ClaimTypes.Role, nameof(ConciergusRole.Viewer)));
            rebuilt.AddClaims(identity.Claims);
            return Task.FromResult(new ClaimsPrincipal(rebuilt));
        }
    }
}
