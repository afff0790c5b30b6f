namespace Conciergus.Core.Audit;

/// <summary>
/// Who did an action, as every audit entry, alert and experiment history records it. Built from a signed-in user in
/// one place (the dashboard's <c>ActorFactory</c>, always the user's highest role); <see cref="System"/> for automatic actions.
/// </summary>
/// <param name="Name">User name, "api-key:&lt;id&gt;" or "system".</param>
/// <param name="Role">Viewer, Operator, Admin or System.</param>
/// <param name="SourceIp">Source IP of the request, when there was one.</param>
public sealed record Actor(string Name, string Role = "System", string? SourceIp = null)
{
    /// <summary>The evaluator, schedulers and other automatic actions.</summary>
    public static Actor System { get; } = new("system");
}
