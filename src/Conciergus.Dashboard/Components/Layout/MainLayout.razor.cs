using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace Conciergus.Dashboard.Components.Layout;

/// <summary>Shell: app bar, navigation drawer, theme (dark mode persisted in localStorage, cascaded to charts).</summary>
public sealed partial class MainLayout
{
    /// <summary>localStorage key holding "dark" or "light".</summary>
    internal const string ThemeStorageKey = "conciergus.theme";

    private MudThemeProvider? _themeProvider;
    private bool _drawerOpen = true;

    [Inject]
    public required IJSRuntime JS { get; init; }

    /// <summary>Whether the dark palette is active; cascaded as "IsDarkMode" so charts follow it.</summary>
    internal bool IsDarkMode { get; set; }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        try
        {
            var stored = await JS.InvokeAsync<string?>("localStorage.getItem", ThemeStorageKey);
            var dark = stored switch
            {
                "dark" => true,
                "light" => false,
                _ => _themeProvider is not null && await _themeProvider.GetSystemDarkModeAsync(),
            };
            if (dark != IsDarkMode)
            {
                IsDarkMode = dark;
                StateHasChanged();
            }
        }
        catch (JSException)
        {
            // localStorage can be unavailable (private mode, blocked storage): keep the default theme.
        }
        catch (JSDisconnectedException)
        {
            // The circuit went away during the first render; nothing to restore.
        }
    }

    private void ToggleDrawer() => _drawerOpen = !_drawerOpen;

    private async Task ToggleDarkModeAsync()
    {
        IsDarkMode = !IsDarkMode;
        try
        {
            await JS.InvokeVoidAsync("localStorage.setItem", ThemeStorageKey, IsDarkMode ? "dark" : "light");
        }
        catch (JSException)
        {
            // Not persisted; the toggle still applies to this session.
        }
    }
}
