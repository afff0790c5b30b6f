using System.Globalization;

using Microsoft.Extensions.Options;

namespace Conciergus.Core.Alerts;

/// <summary>Alerting options (section <c>Conciergus:Alerts</c>), validated at start.</summary>
public sealed class AlertsOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Conciergus:Alerts";

    /// <summary>How often every rule is evaluated (Prometheus evaluation_interval).</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Base URL of this dashboard in notifications (externalURL, generatorURL).</summary>
    public string ExternalUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Daily budget in USD for cost_burn rules without their own budget; null: no budget (cost_burn has no data).</summary>
    public decimal? DailyBudgetUsd { get; set; }

    /// <summary>Receivers defined in configuration (read-only in the API).</summary>
    public List<AlertReceiverOptions> Receivers { get; set; } = [];

    /// <summary>Alertmanager group_wait: how long a new group waits before its first notification.</summary>
    public TimeSpan GroupWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Alertmanager group_interval: how long to wait before notifying about changes of a group already notified.</summary>
    public TimeSpan GroupInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Alertmanager repeat_interval: how long before a still-firing group is notified again.</summary>
    public TimeSpan RepeatInterval { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Retries of a failed delivery (after the first attempt).</summary>
    public int DeliveryRetries { get; set; } = 3;

    /// <summary>Delay before the first retry; doubles for each further retry.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Time limit of one delivery attempt.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long resolved instances are kept (with their history).</summary>
    public TimeSpan ResolvedRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Most resolved instances kept (oldest go first).</summary>
    public int MaxResolvedInstances { get; set; } = 5_000;

    /// <summary>Most history entries per instance (the first and the newest are kept).</summary>
    public int MaxHistoryPerInstance { get; set; } = 200;

    /// <summary>Most delivery log entries kept (oldest go first).</summary>
    public int MaxDeliveries { get; set; } = 2_000;

    /// <summary>
    /// CIDR ranges receivers may reach although they are loopback, private, link-local, ... (refused by default:
    /// <see cref="ReceiverNetworkGuard"/>); for an on-premise Alertmanager, e.g. ["10.20.0.0/16"].
    /// </summary>
    public List<string> AllowedReceiverNetworks { get; set; } = [];
}

/// <summary>One receiver in configuration.</summary>
public sealed class AlertReceiverOptions
{
    /// <summary>Unique name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Target URL.</summary>
    public string Url { get; set; } = "";

    /// <summary>Channel kind ("webhook" by default).</summary>
    public string Kind { get; set; } = "webhook";

    /// <summary>Channel settings.</summary>
    public Dictionary<string, string> Settings { get; set; } = [];

    /// <summary>As a receiver record.</summary>
    public AlertReceiver ToReceiver() => new() { Name = Name, Url = Url, Kind = string.IsNullOrWhiteSpace(Kind) ? "webhook" : Kind, Settings = new Dictionary<string, string>(Settings), FromConfiguration = true };
}

/// <summary>Says in words what is wrong with <see cref="AlertsOptions"/>.</summary>
public sealed class AlertsOptionsValidator : IValidateOptions<AlertsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AlertsOptions options)
    {
        var errors = Check(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>All problems, empty when valid.</summary>
    public static IReadOnlyList<string> Check(AlertsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var s = AlertsOptions.SectionName;
        if (options.EvaluationInterval < TimeSpan.FromSeconds(1) || options.EvaluationInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"{s}:EvaluationInterval must be between 00:00:01 and 01:00:00 (got {options.EvaluationInterval}).");
        }

        if (!Uri.TryCreate(options.ExternalUrl, UriKind.Absolute, out var external) || external.Scheme is not ("http" or "https"))
        {
            errors.Add($"{s}:ExternalUrl must be an absolute http(s) URL of this dashboard (got '{options.ExternalUrl}').");
        }

        if (options.DailyBudgetUsd is <= 0)
        {
            errors.Add($"{s}:DailyBudgetUsd must be positive when set (got {options.DailyBudgetUsd.Value.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (options.GroupWait < TimeSpan.Zero || options.GroupInterval <= TimeSpan.Zero || options.RepeatInterval <= TimeSpan.Zero)
        {
            errors.Add($"{s}:GroupWait must not be negative, GroupInterval and RepeatInterval must be positive.");
        }

        if (options.DeliveryRetries is < 0 or > 10)
        {
            errors.Add($"{s}:DeliveryRetries must be between 0 and 10 (got {options.DeliveryRetries}).");
        }

        if (options.RetryDelay < TimeSpan.Zero || options.RetryDelay > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{s}:RetryDelay must be between 00:00:00 and 00:05:00 (got {options.RetryDelay}).");
        }

        if (options.DeliveryTimeout < TimeSpan.FromMilliseconds(100) || options.DeliveryTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{s}:DeliveryTimeout must be between 00:00:00.1 and 00:05:00 (got {options.DeliveryTimeout}).");
        }

        if (options.ResolvedRetention <= TimeSpan.Zero || options.MaxResolvedInstances < 1 || options.MaxHistoryPerInstance < 10 || options.MaxDeliveries < 1)
        {
            errors.Add($"{s}:ResolvedRetention, MaxResolvedInstances, MaxDeliveries must be positive and MaxHistoryPerInstance at least 10.");
        }

        for (var i = 0; i < options.AllowedReceiverNetworks.Count; i++)
        {
            if (!ReceiverNetworkGuard.TryParseNetwork(options.AllowedReceiverNetworks[i], out _))
            {
                errors.Add($"{s}:AllowedReceiverNetworks:{i}: '{options.AllowedReceiverNetworks[i]}' is not a CIDR network such as 10.0.0.0/8 or fd00::/8.");
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Receivers.Count; i++)
        {
            var r = options.Receivers[i];
            foreach (var problem in AlertReceiverService.CheckReceiver(r.ToReceiver(), kinds: null))
            {
                errors.Add($"{s}:Receivers:{i}: {problem}");
            }

            if (!names.Add(r.Name))
            {
                errors.Add($"{s}:Receivers:{i}: the name '{r.Name}' is used twice.");
            }
        }

        return errors;
    }
}
