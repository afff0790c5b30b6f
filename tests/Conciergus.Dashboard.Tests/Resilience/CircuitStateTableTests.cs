using Bunit;

using Conciergus.Core.Audit;
using Conciergus.Core.Resilience;
using Conciergus.Dashboard.Components.Resilience;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Components;
using Conciergus.Dashboard.Tests.Experiments;

using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Resilience;

public sealed class CircuitStateTableTests : DashboardTestContext
{
    private readonly ResilienceTestHost _host = new();
    private readonly FakeAuditLog _audit = new();

    public CircuitStateTableTests()
    {
        Services.AddSingleton(_host.Registry);
        Services.AddSingleton<TimeProvider>(_host.Time);
        Services.AddSingleton<IAuditLog>(_audit);
        Services.AddSingleton<AuditRecorder>();
    }

    [Fact]
    public async Task Render_RegistryChanges_UpdatesLive()
    {
        var table = Render<CircuitStateTable>();
        Assert.NotNull(table.Find("[data-testid=circuit-empty]"));

        await _host.Registry.ForceOpenAsync("openai", "gpt-4o", "bob");

        table.WaitForAssertion(() => Assert.Equal("open", table.Find("[data-circuit='openai/gpt-4o']").GetAttribute("data-state")));
        Assert.Contains("forced open", table.Find("[data-circuit='openai/gpt-4o']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForceClose_AsOperator_ClosesAndAudits()
    {
        Authorization.SetAuthorized("olivia");
        Authorization.SetRoles(nameof(ConciergusRole.Operator));
        Authorization.SetPolicies(ConciergusPolicies.Viewer, ConciergusPolicies.Operator);
        await _host.Registry.ForceOpenAsync("openai", "gpt-4o", "bob");
        var table = Render<CircuitStateTable>();

        await table.Find("[data-circuit='openai/gpt-4o'] [data-action=close]").ClickAsync(new());

        Assert.Equal(CircuitStatus.Closed, _host.Registry.StateOf(new ModelTarget("openai", "gpt-4o")));
        var entry = Assert.Single(_audit.Events);
        Assert.Equal(("circuit.force_close", "openai/gpt-4o", "olivia"), (entry.Action, entry.Target, entry.Actor));
        table.WaitForAssertion(() => Assert.Equal("closed", table.Find("[data-circuit='openai/gpt-4o']").GetAttribute("data-state")));
    }

    [Fact]
    public async Task Render_AsViewer_HasNoButtons()
    {
        Authorization.SetAuthorized("vera");
        Authorization.SetRoles(nameof(ConciergusRole.Viewer));
        Authorization.SetPolicies(ConciergusPolicies.Viewer);
        await _host.Registry.ForceOpenAsync("openai", "gpt-4o", "bob");

        var table = Render<CircuitStateTable>();

        Assert.Empty(table.FindAll("[data-action]"));
    }
}
