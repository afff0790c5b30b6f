using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Security;

/// <summary>Signs local users in and out with the cookie scheme, applying lockout and writing the audit trail.</summary>
public sealed class LocalSignIn(UserStore users, SecurityAudit audit, IOptions<AuthOptions> options)
{
    /// <summary>The one message for every failure: it never tells whether the account exists or is locked.</summary>
    public const string GenericFailure = "The user name or password is not correct, or the account is locked. Try again later.";

    /// <summary>Checks the password and sets the sign-in cookie on success.</summary>
    public async Task<bool> SignInAsync(HttpContext http, string? userName, string? password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        var o = options.Value;
        // The client's address (the forwarded one behind a configured proxy): lockout is per account and source.
        var source = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var check = users.CheckPassword(userName ?? string.Empty, password ?? string.Empty, source, o.MaxFailedAttempts, o.LockoutDuration);
        var user = check.User;
        switch (check.Outcome)
        {
            case PasswordCheckOutcome.Success:
                await http.SignInAsync(
                    CookieAuthenticationDefaults.AuthenticationScheme,
                    PrincipalFor(user!),
                    new AuthenticationProperties { IsPersistent = false }).ConfigureAwait(false);
                await audit.AppendAsync(user!.UserName, user.Role.ToString(), "auth.login", user.UserName, http: http, cancellationToken: cancellationToken).ConfigureAwait(false);
                return true;
            case PasswordCheckOutcome.UnknownUser:
                // What was typed may be personal data (an e-mail, a mistyped password): never recorded.
                await audit.AppendAsync(SecurityAudit.UnknownActor, "None", "auth.login_failed", details: Reason("unknown_user"), http: http, cancellationToken: cancellationToken).ConfigureAwait(false);
                return false;
            case PasswordCheckOutcome.LockedNow:
                await audit.AppendAsync(user!.UserName, user.Role.ToString(), "auth.login_failed", user.UserName, Reason("wrong_password"), http, cancellationToken).ConfigureAwait(false);
                await audit.AppendAsync(user.UserName, user.Role.ToString(), "auth.lockout", user.UserName,
                    new Dictionary<string, string> { ["until"] = user.LockoutUntil!.Value.ToString("O", CultureInfo.InvariantCulture), ["scope"] = "source" }, http, cancellationToken).ConfigureAwait(false);
                return false;
            default:
                await audit.AppendAsync(user!.UserName, user.Role.ToString(), "auth.login_failed", user.UserName,
                    Reason(check.Outcome == PasswordCheckOutcome.LockedOut ? "locked_out" : "wrong_password"), http, cancellationToken).ConfigureAwait(false);
                return false;
        }
    }

    /// <summary>Clears the cookie and audits the sign-out.</summary>
    public async Task SignOutAsync(HttpContext http, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.User.Identity?.IsAuthenticated == true)
        {
            var actor = ActorFactory.Of(http);
            await audit.AppendAsync(actor.Name, actor.Role, "auth.logout", actor.Name, http: http, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
    }

    /// <summary>The cookie principal of a local user.</summary>
    public static ClaimsPrincipal PrincipalFor(ConciergusUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return ConciergusClaims.Principal(
            user.UserName,
            user.Role,
            CookieAuthenticationDefaults.AuthenticationScheme,
            new Claim(ConciergusClaims.ChangedStamp, user.Changed.UtcTicks.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// Cookie validation on every request: a session ends when its account was deleted or changed (role, password)
    /// after it was issued (<see cref="UserStore.IsSessionCurrent"/>). Open pages are checked by
    /// <see cref="ConciergusAuthenticationStateProvider"/>.
    /// </summary>
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Principal is not { } principal)
        {
            return;
        }

        var users = context.HttpContext.RequestServices.GetRequiredService<UserStore>();
        if (!users.IsSessionCurrent(principal))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
        }
    }

    private static Dictionary<string, string> Reason(string reason) => new() { ["reason"] = reason };
}
