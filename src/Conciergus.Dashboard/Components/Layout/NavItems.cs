namespace Conciergus.Dashboard.Components.Layout;

/// <summary>One entry of the navigation drawer.</summary>
/// <param name="Href">Route.</param>
/// <param name="Title">Label.</param>
/// <param name="Icon">MudBlazor icon (SVG path).</param>
/// <param name="Available">Whether the page is built; unbuilt pages show as disabled "coming soon" items.</param>
/// <param name="MinimumRole">Least role that sees the item (the page itself enforces it too).</param>
internal sealed record NavItem(string Href, string Title, string Icon, bool Available, Security.ConciergusRole MinimumRole = Security.ConciergusRole.Viewer);

/// <summary>The pages of DESIGN.md section 11, in the order an operator scans them.</summary>
internal static class NavItems
{
    public static IReadOnlyList<NavItem> All { get; } =
    [
        new("/", "Overview", MudBlazor.Icons.Material.Filled.Dashboard, Available: true),
        new("/usage", "Usage", MudBlazor.Icons.Material.Filled.ShowChart, Available: true),
        new("/cost", "Cost", MudBlazor.Icons.Material.Filled.AttachMoney, Available: true),
        new("/models", "Models", MudBlazor.Icons.Material.Filled.Memory, Available: true),
        new("/applications", "Applications", MudBlazor.Icons.Material.Filled.Apps, Available: true),
        new("/errors", "Errors", MudBlazor.Icons.Material.Filled.ErrorOutline, Available: true),
        new("/health", "Health", MudBlazor.Icons.Material.Filled.MonitorHeart, Available: true),
        new("/traces", "Traces", MudBlazor.Icons.Material.Filled.AccountTree, Available: true),
        new("/alerts", "Alerts", MudBlazor.Icons.Material.Filled.NotificationsActive, Available: true),
        new("/experiments", "Experiments", MudBlazor.Icons.Material.Filled.Science, Available: true),
        new("/audit", "Audit", MudBlazor.Icons.Material.Filled.FactCheck, Available: true),
        new("/compliance", "Compliance", MudBlazor.Icons.Material.Filled.Policy, Available: true, Security.ConciergusRole.Admin),
        new("/privacy", "Privacy", MudBlazor.Icons.Material.Filled.PrivacyTip, Available: true, Security.ConciergusRole.Admin),
        new("/admin", "Admin", MudBlazor.Icons.Material.Filled.AdminPanelSettings, Available: true, Security.ConciergusRole.Admin),
    ];
}
