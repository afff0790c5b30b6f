using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.Web;

namespace Conciergus.Dashboard.Components.Panels;

/// <summary>
/// Wraps one panel (or, in the layout, the whole page) in an <see cref="ErrorBoundary"/>. A failure is logged by the
/// boundary (server log) and shown in place of the panel with its name; navigating, or "Retry", renders it again.
/// </summary>
public sealed partial class PanelBoundary : IDisposable
{
    /// <summary>Longest exception message shown (the log has the rest).</summary>
    internal const int MaxMessageLength = 200;

    private ErrorBoundary? _boundary;

    /// <summary>What the panel is called on the page ("Errors by category"), named in the failure message.</summary>
    [Parameter]
    [EditorRequired]
    public string Name { get; set; } = "This panel";

    /// <summary>The panel.</summary>
    [Parameter]
    public RenderFragment? ChildContent { get; set; }

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    /// <summary>Renders the panel again (the "Retry" button; also on every navigation).</summary>
    public void Recover() => _boundary?.Recover();

    /// <summary>What failed, in one line: the exception type and its (shortened) message, shown as text.</summary>
    internal static string Describe(Exception failure)
    {
        var message = failure.Message.Length > MaxMessageLength ? failure.Message[..MaxMessageLength] + "…" : failure.Message;
        return $"{failure.GetType().Name}: {message}".TrimEnd() + (message.EndsWith('.') ? "" : ".");
    }

    /// <inheritdoc />
    protected override void OnInitialized() => Navigation.LocationChanged += OnLocationChanged;

    private void OnLocationChanged(object? sender, LocationChangedEventArgs e) => _ = InvokeAsync(Recover);

    /// <inheritdoc />
    public void Dispose() => Navigation.LocationChanged -= OnLocationChanged;
}
