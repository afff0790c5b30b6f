using System.Globalization;
using System.Security.Claims;
using Conciergus.Core.Ingestion;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>Admin page: local users (add, reset password, change role, unlock, delete), API keys (create, revoke) and the ingestion key (show, rotate).</summary>
public sealed partial class Admin
{
    private static readonly ConciergusRole[] Roles = Enum.GetValues<ConciergusRole>();

    private ClaimsPrincipal _actor = new();
    private IReadOnlyList<ConciergusUser> _users = [];
    private IReadOnlyList<ApiKeyInfo> _keys = [];
    private string? _message;
    private bool _messageIsError;
    private string? _resetting;
    private string? _resetPassword;
    private string? _newUserName;
    private string? _newPassword;
    private ConciergusRole _newRole = ConciergusRole.Viewer;
    private string? _keyDescription;
    private ConciergusRole _keyRole = ConciergusRole.Viewer;
    private string? _createdSecret;
    private IngestionKeyState? _ingestion;
    private string? _revealedKey;
    private int _graceHours = 24;
    private bool _confirmRotate;

    [Inject]
    public required UserAdministration Administration { get; init; }

    [Inject]
    public required AuthenticationStateProvider AuthenticationStateProvider { get; init; }

    [Inject]
    public required IOptions<AuthOptions> Options { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    [Inject]
    public required BrowserTime BrowserTime { get; init; }

    private DateTimeOffset Now => Time.GetUtcNow();

    protected override async Task OnInitializedAsync()
    {
        _actor = (await AuthenticationStateProvider.GetAuthenticationStateAsync()).User;
        Reload();
    }

    // Who acts now: asked of the provider at every action (it re-checks the store), never the principal captured when
    // the page opened. Null when the session ended; the router then shows the sign-in page.
    private async Task<ClaimsPrincipal?> CurrentActorAsync()
    {
        var actor = (await AuthenticationStateProvider.GetAuthenticationStateAsync()).User;
        if (!actor.HasConciergusRole(ConciergusRole.Admin))
        {
            _messageIsError = true;
            _message = "Your session ended. Sign in again.";
            _users = [];
            _keys = [];
            _createdSecret = null;
            _ingestion = null;
            _revealedKey = null;
            return null;
        }

        _actor = actor;
        return actor;
    }

    // Runs an action for the current actor; a session that ended between the check and the store is a message, not a crash.
    private async Task ActAsync(Func<ClaimsPrincipal, Task> action)
    {
        if (await CurrentActorAsync() is not { } actor)
        {
            return;
        }

        try
        {
            await action(actor);
        }
        catch (UnauthorizedAccessException e)
        {
            _messageIsError = true;
            _message = e.Message;
            _users = [];
            _keys = [];
            _createdSecret = null;
            _ingestion = null;
            _revealedKey = null;
        }
    }

    private void Reload()
    {
        try
        {
            _users = Administration.ListUsers(_actor);
            _keys = Administration.ListKeys(_actor);
            _ingestion = Administration.IngestionKeyStatus(_actor);
        }
        catch (UnauthorizedAccessException)
        {
            _users = [];
            _keys = [];
            _ingestion = null;
        }
    }

    // The app bar's clock (browser zone or UTC), never the server's zone.
    private string Local(DateTimeOffset? at) => at is null ? "" : BrowserTime.Format(at, "yyyy-MM-dd HH:mm");

    private void Show(AdminResult result, string success)
    {
        _messageIsError = !result.Succeeded;
        _message = result.Succeeded ? success : result.Error;
        Reload();
    }

    private Task CreateUserAsync() => ActAsync(async actor =>
    {
        var result = await Administration.CreateUserAsync(actor, _newUserName ?? "", _newPassword ?? "", _newRole);
        Show(result, $"Added {_newUserName?.Trim()} ({_newRole}).");
        if (result.Succeeded)
        {
            _newUserName = null;
            _newPassword = null;
        }
    });

    private Task ChangeRoleAsync(ConciergusUser user, ConciergusRole role) => ActAsync(async actor =>
        Show(await Administration.ChangeRoleAsync(actor, user.UserName, role), $"{user.UserName} is now {role}; their sessions end."));

    private Task UnlockAsync(ConciergusUser user) => ActAsync(async actor =>
        Show(await Administration.UnlockAsync(actor, user.UserName), $"Unlocked {user.UserName}."));

    private void StartReset(ConciergusUser user)
    {
        _resetting = user.UserName;
        _resetPassword = null;
    }

    private Task ResetAsync(ConciergusUser user) => ActAsync(async actor =>
    {
        var result = await Administration.ResetPasswordAsync(actor, user.UserName, _resetPassword ?? "");
        Show(result, $"New password set for {user.UserName}; their sessions end.");
        if (result.Succeeded)
        {
            _resetting = null;
            _resetPassword = null;
        }
    });

    private Task DeleteAsync(ConciergusUser user) => ActAsync(async actor =>
        Show(await Administration.DeleteUserAsync(actor, user.UserName), $"Deleted {user.UserName}."));

    private Task CreateKeyAsync() => ActAsync(async actor =>
    {
        var (info, secret) = await Administration.CreateKeyAsync(actor, _keyRole, _keyDescription);
        _createdSecret = secret;
        _keyDescription = null;
        Show(AdminResult.Ok, $"Created key {info.Id} ({info.Role}).");
    });

    private Task RevokeAsync(ApiKeyInfo key) => ActAsync(async actor =>
    {
        _createdSecret = null;
        Show(await Administration.RevokeKeyAsync(actor, key.Id), $"Revoked key {key.Id}.");
    });

    private Task RevealIngestionKeyAsync() => ActAsync(async actor => _revealedKey = await Administration.RevealIngestionKeyAsync(actor));

    private Task RotateIngestionKeyAsync() => ActAsync(async actor =>
    {
        _confirmRotate = false;
        var (result, key) = await Administration.RotateIngestionKeyAsync(actor, TimeSpan.FromHours(_graceHours));
        _revealedKey = key;
        Show(result, _graceHours == 0
            ? "New ingestion key in force; the old one is refused from now on. Update every application."
            : $"New ingestion key in force; the old one is accepted for {_graceHours} h more. Update every application.");
    });

    private Task RetirePreviousIngestionKeyAsync() => ActAsync(async actor =>
        Show(await Administration.RetirePreviousIngestionKeyAsync(actor), "The previous ingestion key is refused from now on."));
}
