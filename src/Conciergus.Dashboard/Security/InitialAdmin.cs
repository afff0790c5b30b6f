using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Security;

/// <summary>
/// On first start with no local users, creates <c>admin</c> (Admin) with <c>Conciergus:Auth:InitialAdminPassword</c>,
/// or with a generated password printed once to the log. Only the hash is stored.
/// </summary>
public sealed partial class InitialAdmin(UserStore users, SecurityAudit audit, IOptions<AuthOptions> options, ILogger<InitialAdmin> logger) : IHostedService
{
    /// <summary>Name of the first account.</summary>
    public const string UserName = "admin";

    /// <summary>Creates the account when there is none; returns whether it did.</summary>
    public async Task<bool> EnsureAsync(CancellationToken cancellationToken = default)
    {
        if (!options.Value.CreateInitialAdmin || options.Value.OpenIdConnect.Enabled || users.Count > 0)
        {
            return false;
        }

        // Storage down: an in-memory admin with the bootstrap password could outlive a password the real admin changed.
        if (!users.IsPersistent)
        {
            LogStorageUnavailable(logger, UserName);
            return false;
        }

        var configured = options.Value.InitialAdminPassword;
        var password = string.IsNullOrEmpty(configured)
            ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_')
            : configured;
        if (!users.Create(UserName, password, ConciergusRole.Admin))
        {
            return false;
        }

        if (string.IsNullOrEmpty(configured))
        {
            LogGenerated(logger, UserName, password);
        }
        else
        {
            LogConfigured(logger, UserName);
        }

        await audit.AppendAsync("system", "System", "user.create", UserName,
            new Dictionary<string, string> { ["role"] = nameof(ConciergusRole.Admin), ["password"] = string.IsNullOrEmpty(configured) ? "generated" : "configured" },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => EnsureAsync(cancellationToken);

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "No users yet: created '{UserName}' (Admin). This password is shown once and stored only as a hash; change it on the Admin page. Initial admin password: {Password}")]
    private static partial void LogGenerated(ILogger logger, string userName, string password);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage unavailable: '{UserName}' was not created; local sign-in has no accounts until the database file opens. API keys from configuration and single sign-on still work.")]
    private static partial void LogStorageUnavailable(ILogger logger, string userName);

    [LoggerMessage(Level = LogLevel.Information, Message = "No users yet: created '{UserName}' (Admin) with Conciergus:Auth:InitialAdminPassword.")]
    private static partial void LogConfigured(ILogger logger, string userName);
}
