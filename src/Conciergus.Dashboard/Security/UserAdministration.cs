using System.Security.Claims;
using Conciergus.Core.Ingestion;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Security;

/// <summary>Outcome of an administrative action: success, or a message for the Admin page.</summary>
/// <param name="Succeeded">Whether it was done.</param>
/// <param name="Error">Why not.</param>
public sealed record AdminResult(bool Succeeded, string? Error = null)
{
    /// <summary>Done.</summary>
    public static AdminResult Ok { get; } = new(true);

    /// <summary>Not done, because <paramref name="error"/>.</summary>
    public static AdminResult Fail(string error) => new(false, error);
}

/// <summary>
/// User and API-key management for the Admin page. Every method checks that the acting principal is an Admin whose
/// session still matches the user store (a deleted or demoted Admin's open page cannot act: the page hides the buttons,
/// this is the server's check) and writes the audit trail.
/// </summary>
public sealed class UserAdministration(UserStore users, ApiKeyStore keys, SecurityAudit audit, IOptions<AuthOptions> options, IngestionKeys ingestionKeys)
{
    /// <summary>All local accounts.</summary>
    public IReadOnlyList<ConciergusUser> ListUsers(ClaimsPrincipal actor)
    {
        Demand(actor);
        return users.List();
    }

    /// <summary>All API keys (configured and created, unrevoked).</summary>
    public IReadOnlyList<ApiKeyInfo> ListKeys(ClaimsPrincipal actor)
    {
        Demand(actor);
        return keys.List();
    }

    /// <summary>Adds a local account.</summary>
    public async Task<AdminResult> CreateUserAsync(ClaimsPrincipal actor, string userName, string password, ConciergusRole role, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        if (string.IsNullOrWhiteSpace(userName) || userName.Trim().Length > 64 || userName.Trim().StartsWith("api-key:", StringComparison.OrdinalIgnoreCase))
        {
            return AdminResult.Fail("Enter a user name of 1 to 64 characters.");
        }

        if (PasswordProblem(password) is { } problem)
        {
            return AdminResult.Fail(problem);
        }

        if (!users.Create(userName, password, role))
        {
            return AdminResult.Fail($"A user named '{userName.Trim()}' exists already.");
        }

        await AuditAsync(actor, "user.create", userName.Trim(), new() { ["role"] = role.ToString() }, cancellationToken).ConfigureAwait(false);
        return AdminResult.Ok;
    }

    /// <summary>Sets a new password (and clears a lockout).</summary>
    public async Task<AdminResult> ResetPasswordAsync(ClaimsPrincipal actor, string userName, string password, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        if (PasswordProblem(password) is { } problem)
        {
            return AdminResult.Fail(problem);
        }

        if (!users.SetPassword(userName, password))
        {
            return AdminResult.Fail($"There is no user named '{userName}'.");
        }

        await AuditAsync(actor, "user.password_reset", userName, null, cancellationToken).ConfigureAwait(false);
        return AdminResult.Ok;
    }

    /// <summary>Changes an account's role; the last Admin cannot be demoted.</summary>
    public async Task<AdminResult> ChangeRoleAsync(ClaimsPrincipal actor, string userName, ConciergusRole role, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        var user = users.Find(userName);
        if (user is null)
        {
            return AdminResult.Fail($"There is no user named '{userName}'.");
        }

        if (user.Role == ConciergusRole.Admin && role != ConciergusRole.Admin && users.CountInRole(ConciergusRole.Admin) <= 1)
        {
            return AdminResult.Fail("This is the last Admin: make another user Admin first.");
        }

        if (user.Role == role)
        {
            return AdminResult.Ok;
        }

        users.SetRole(userName, role);
        await AuditAsync(actor, "user.update", user.UserName, new() { ["role"] = role.ToString(), ["previousRole"] = user.Role.ToString() }, cancellationToken).ConfigureAwait(false);
        return AdminResult.Ok;
    }

    /// <summary>Ends a lockout.</summary>
    public async Task<AdminResult> UnlockAsync(ClaimsPrincipal actor, string userName, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        if (!users.Unlock(userName))
        {
            return AdminResult.Fail($"There is no user named '{userName}'.");
        }

        await AuditAsync(actor, "user.update", userName, new() { ["unlocked"] = "true" }, cancellationToken).ConfigureAwait(false);
        return AdminResult.Ok;
    }

    /// <summary>Deletes an account; never the last Admin nor oneself.</summary>
    public async Task<AdminResult> DeleteUserAsync(ClaimsPrincipal actor, string userName, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        var user = users.Find(userName);
        if (user is null)
        {
            return AdminResult.Fail($"There is no user named '{userName}'.");
        }

        if (string.Equals(user.UserName, actor.Identity?.Name, StringComparison.OrdinalIgnoreCase))
        {
            return AdminResult.Fail("You cannot delete your own account.");
        }

        if (user.Role == ConciergusRole.Admin && users.CountInRole(ConciergusRole.Admin) <= 1)
        {
            return AdminResult.Fail("This is the last Admin.");
        }

        users.Delete(userName);
        await AuditAsync(actor, "user.delete", user.UserName, null, cancellationToken).ConfigureAwait(false);
        return AdminResult.Ok;
    }

    /// <summary>Creates an API key; the secret is returned once.</summary>
    public async Task<(ApiKeyInfo Info, string Secret)> CreateKeyAsync(ClaimsPrincipal actor, ConciergusRole role, string? description, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        var created = keys.Create(role, description);
        await AuditAsync(actor, "apikey.create", $"api-key:{created.Info.Id}", new() { ["role"] = role.ToString() }, cancellationToken).ConfigureAwait(false);
        return created;
    }

    /// <summary>Revokes a created API key.</summary>
    public async Task<AdminResult> RevokeKeyAsync(ClaimsPrincipal actor, string id, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        if (!keys.Revoke(id))
        {
            return AdminResult.Fail($"There is no revocable key '{id}' (configured keys are removed from configuration).");
        }

        await AuditAsync(actor, "apikey.revoke", $"api-key:{id}", null, cancellationToken).ConfigureAwait(false);
        return AdminResult.Ok;
    }

    /// <summary>The ingestion keys in force, without the key itself (<see cref="RevealIngestionKeyAsync"/> shows it).</summary>
    public IngestionKeyState IngestionKeyStatus(ClaimsPrincipal actor)
    {
        Demand(actor);
        return ingestionKeys.Describe() with { Key = null };
    }

    /// <summary>The generated ingestion key in full, audited as ingestionkey.reveal; null when keys are configured.</summary>
    public async Task<string?> RevealIngestionKeyAsync(ClaimsPrincipal actor, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        if (ingestionKeys.Describe().Key is not { } key)
        {
            return null;
        }

        await AuditAsync(actor, "ingestionkey.reveal", "ingestion-key", null, cancellationToken).ConfigureAwait(false);
        return key;
    }

    /// <summary>Replaces the generated ingestion key; the old one is accepted for <paramref name="grace"/>. Audited as ingestionkey.rotate.</summary>
    public async Task<(AdminResult Result, string? Key)> RotateIngestionKeyAsync(ClaimsPrincipal actor, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        IngestionKeyState state;
        try
        {
            state = ingestionKeys.Rotate(grace);
        }
        catch (InvalidOperationException e)
        {
            return (AdminResult.Fail(e.Message), null);
        }

        var until = state.PreviousValidUntil?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "now";
        await AuditAsync(actor, "ingestionkey.rotate", "ingestion-key", new() { ["previousValidUntil"] = until, ["newKey"] = state.Hints[0] }, cancellationToken).ConfigureAwait(false);
        return (AdminResult.Ok, state.Key);
    }

    /// <summary>Stops accepting the key the last rotation replaced. Audited as ingestionkey.retire.</summary>
    public async Task<AdminResult> RetirePreviousIngestionKeyAsync(ClaimsPrincipal actor, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        if (!ingestionKeys.RetirePrevious())
        {
            return AdminResult.Fail("No previous ingestion key is accepted any more.");
        }

        await AuditAsync(actor, "ingestionkey.retire", "ingestion-key", null, cancellationToken).ConfigureAwait(false);
        return AdminResult.Ok;
    }

    private string? PasswordProblem(string? password) =>
        password is null || password.Length < options.Value.MinPasswordLength
            ? $"The password needs at least {options.Value.MinPasswordLength} characters."
            : null;

    private void Demand(ClaimsPrincipal actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.HasConciergusRole(ConciergusRole.Admin))
        {
            throw new UnauthorizedAccessException("Only Admins manage users and API keys.");
        }

        if (!users.IsSessionCurrent(actor))
        {
            throw new UnauthorizedAccessException("This session ended: the account was deleted or changed. Sign in again.");
        }
    }

    private Task AuditAsync(ClaimsPrincipal actor, string action, string target, Dictionary<string, string>? details, CancellationToken cancellationToken)
    {
        var who = ActorFactory.Of(actor);
        return audit.AppendAsync(who.Name, who.Role, action, target, details, cancellationToken: cancellationToken).AsTask();
    }
}
