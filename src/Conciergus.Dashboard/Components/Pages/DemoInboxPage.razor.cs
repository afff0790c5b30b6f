using Conciergus.Dashboard.Demo;
using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>The demo receiver's inbox (issue 22 item 5): the notifications the seeded receiver got, newest first, live.</summary>
public sealed partial class DemoInboxPage
{
    private IReadOnlyList<DemoInboxItem> _items = [];
    private RenderThrottle? _throttle;

    [Inject]
    public required IServiceProvider Services { get; init; }

    [Inject]
    public required BrowserTime BrowserTime { get; init; }

    /// <summary>The inbox; null when the demo is off.</summary>
    private DemoInbox? Inbox { get; set; }

    protected override void OnInitialized()
    {
        Inbox = Services.GetService<DemoInbox>();
        if (Inbox is null)
        {
            return;
        }

        _items = Inbox.Items();
        _throttle = new RenderThrottle(TimeSpan.FromMilliseconds(250), Services.GetService<TimeProvider>() ?? TimeProvider.System, () => InvokeAsync(() =>
        {
            _items = Inbox.Items();
            StateHasChanged();
        }));
        Inbox.Changed += OnChanged;
    }

    private void OnChanged() => _throttle?.Request();

    /// <inheritdoc />
    public void Dispose()
    {
        if (Inbox is not null)
        {
            Inbox.Changed -= OnChanged;
        }

        _throttle?.Dispose();
    }
}
