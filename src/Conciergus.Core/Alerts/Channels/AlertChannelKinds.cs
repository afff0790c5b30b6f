namespace Conciergus.Core.Alerts.Channels;

/// <summary>Receiver kinds of the channels in this folder (<see cref="AlertReceiver.Kind"/>).</summary>
public static class AlertChannelKinds
{
    /// <summary>Slack incoming webhook.</summary>
    public const string Slack = "slack";

    /// <summary>Microsoft Teams incoming webhook (Workflows) with an Adaptive Card.</summary>
    public const string Teams = "teams";

    /// <summary>E-mail over SMTP.</summary>
    public const string Email = "email";

    /// <summary>A structured log line.</summary>
    public const string Log = "log";

    /// <summary>Opens the circuit of the alert's provider/model while it fires.</summary>
    public const string OpenCircuit = "open_circuit";
}
