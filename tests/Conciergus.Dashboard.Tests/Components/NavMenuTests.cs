using Bunit;
using Conciergus.Dashboard.Components.Layout;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class NavMenuTests : DashboardTestContext
{
    // The page routes of DESIGN.md section 11, plus /compliance (issue 10) and /applications (issue 18).
    private static readonly string[] DesignRoutes =
        ["/", "/usage", "/cost", "/models", "/applications", "/errors", "/health", "/traces", "/alerts", "/experiments", "/audit", "/compliance", "/privacy", "/admin"];

    [Fact]
    public void Render_Default_HasAnItemForEveryPageOfTheDesign()
    {
        // Act
        var cut = Render<NavMenu>();

        // Assert
        var routes = cut.FindAll("[data-route]").Select(a => a.GetAttribute("data-route")).ToList();
        Assert.Equal(DesignRoutes, routes);
    }

    [Fact]
    public void Render_Default_EveryBuiltPageIsALink()
    {
        // Act
        var cut = Render<NavMenu>();

        // Assert: the overview is a live link; pages not built yet are disabled (with a "coming soon" tooltip)
        var overview = cut.Find("[data-route='/']");
        Assert.Equal("/", overview.GetAttribute("href"));
        Assert.DoesNotContain("mud-nav-link-disabled", overview.ClassName, StringComparison.Ordinal);
        foreach (var built in new[] { "/usage", "/cost", "/models", "/errors", "/health" })
        {
            Assert.Equal(built, cut.Find($"[data-route='{built}']").GetAttribute("href"));
        }

        // Alerts was the last page to be built: nothing is disabled any more.
        Assert.Equal("/alerts", cut.Find("[data-route='/alerts']").GetAttribute("href"));
        Assert.Empty(cut.FindAll(".mud-nav-link-disabled"));
    }

    [Fact]
    public void Render_Viewer_HidesTheAdminItem()
    {
        // Arrange
        Authorization.SetRoles(nameof(Conciergus.Dashboard.Security.ConciergusRole.Viewer));

        // Act
        var cut = Render<NavMenu>();

        // Assert
        Assert.Empty(cut.FindAll("[data-route='/admin']"));
        Assert.Single(cut.FindAll("[data-route='/']"));
    }

    [Fact]
    public void Render_Admin_AdminItemIsALink()
    {
        // Act
        var cut = Render<NavMenu>();

        // Assert
        Assert.Equal("/admin", cut.Find("[data-route='/admin']").GetAttribute("href"));
    }
}
