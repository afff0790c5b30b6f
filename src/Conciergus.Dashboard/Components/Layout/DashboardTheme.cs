using MudBlazor;

namespace Conciergus.Dashboard.Components.Layout;

/// <summary>The dashboard's MudBlazor theme: system fonts (no external font requests), calm light and dark palettes that meet WCAG AA contrast (issue 22 item 10).</summary>
internal static class DashboardTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3b5bdb",
            Secondary = "#087f5b",
            // Status colours dark enough for WCAG AA (4.5:1) as text on white and under white text on filled chips.
            Success = "#237032",
            Warning = "#a35200",
            Error = "#c62828",
            Info = "#1565c0",
            // MudBlazor's 54% black falls just under 4.5:1 on the grey background (labels, captions).
            TextSecondary = "rgba(0,0,0,0.64)",
            AppbarBackground = "#1f2433",
            Background = "#f5f6fa",
            DrawerBackground = "#ffffff",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#748ffc",
            Secondary = "#38d9a9",
            // Light colours on the dark surfaces carry dark text when filled (white on them falls under 3:1).
            PrimaryContrastText = "#10131a",
            SecondaryContrastText = "#10131a",
            Success = "#51cf66",
            SuccessContrastText = "#10131a",
            Warning = "#ffb545",
            WarningContrastText = "#10131a",
            Error = "#ff6b7a",
            ErrorContrastText = "#10131a",
            Info = "#74c0fc",
            InfoContrastText = "#10131a",
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
