using MudBlazor;

namespace Conciergus.Dashboard.Components.Layout;

/// <summary>The dashboard's MudBlazor theme: system fonts (no external font requests), calm light and dark palettes.</summary>
internal static class DashboardTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3b5bdb",
            Secondary = "#0ca678",
            AppbarBackground = "#1f2433",
            Background = "#f5f6fa",
            DrawerBackground = "#ffffff",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#748ffc",
            Secondary = "#38d9a9",
            AppbarBackground = "#161a24",
            Background = "#10131a",
            Surface = "#1a1e29",
            DrawerBackground = "#141822",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography
            {
                FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
            },
        },
    };
}
