using System.Globalization;
using System.Security.Claims;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>Admin page: local users (add, reset password, change role, unlock, delete) and API keys (create, revoke).</summary>
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

    [Inject]
    public required UserAdministration Administration { get; init; }

    [Inject]
    public required AuthenticationStateProvider AuthenticationStateProvider { get; init; }

    [Inject]
    public required IOptions<AuthOptions> Options { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    private DateTimeOffset Now => Time.GetUtcNow();

    protected override async Task OnInitializedAsync()
    {
        _actor = (await AuthenticationStateProvider.GetAuthenticationStateAsync()).User;
        Reload();
    }

    private void Reload()
    {
        _users = Administration.ListUsers(_actor);
        _keys = Administration.ListKeys(_actor);
    }

    private static string Local(DateTimeOffset? at) =>
        at?.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "";

    private void Show(AdminResult result, string success)
    {
        _messageIsError = !result.Succeeded;
        _message = result.Succeeded ? success : result.Error;
        Reload();
    }

    private async Task CreateUserAsync()
    {
        var result = await Administration.CreateUserAsync(_actor, _newUserName ?? "", _newPassword ?? "", _newRole);
        Show(result, $"Added {_newUserName?.Trim()} ({_newRole}).");
        if (result.Succeeded)
        {
            _newUserName = null;
            _newPassword = null;
        }
    }

    private async Task ChangeRoleAsync(ConciergusUser user, ConciergusRole role) =>
        Show(await Administration.ChangeRoleAsync(_actor, user.UserName, role), $"{user.UserName} is now {role}; their sessions end.");

    private async Task UnlockAsync(ConciergusUser user) =>
        Show(await Administration.UnlockAsync(_actor, user.UserName), $"Unlocked {user.UserName}.");

    private void StartReset(ConciergusUser user)
    {
        _resetting = user.UserName;
        _resetPassword = null;
    }

    private async Task ResetAsync(ConciergusUser user)
    {
        var result = await Administration.ResetPasswordAsync(_actor, user.UserName, _resetPassword ?? "");
        Show(result, $"New password set for {user.UserName}; their sessions end.");
        if (result.Succeeded)
        {
            _resetting = null;
            _resetPassword = null;
        }
    }

    private async Task DeleteAsync(ConciergusUser user) =>
        Show(await Administration.DeleteUserAsync(_actor, user.UserName), $"Deleted {user.UserName}.");

    private async Task CreateKeyAsync()
    {
        var (info, secret) = await Administration.CreateKeyAsync(_actor, _keyRole, _keyDescription);
        _createdSecret = secret;
        _keyDescription = null;
        Show(AdminResult.Ok, $"Created key {info.Id} ({info.Role}).");
    }

    private async Task RevokeAsync(ApiKeyInfo key)
    {
        _createdSecret = null;
        Show(await Administration.RevokeKeyAsync(_actor, key.Id), $"Revoked key {key.Id}.");
    }
}
