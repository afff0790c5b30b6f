using Conciergus.Dashboard.Demo;
using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>The demo receiver's inbox (issue 22 item 5): the notifications the seeded receiver got, newest first, live.</summary>
public sealed partial class DemoInboxPage
{
    private IReadOnlyList<DemoInboxItem> _items = [];

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
        Listen(Inbox.Changes, TimeSpan.FromMilliseconds(250), Services.GetService<TimeProvider>());
    }

    /// <inheritdoc />
    protected override Task OnLiveChangeAsync()
    {
        _items = Inbox?.Items() ?? [];
        StateHasChanged();
        return Task.CompletedTask;
    }
}
