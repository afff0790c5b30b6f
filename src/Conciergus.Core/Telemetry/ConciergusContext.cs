namespace Conciergus.Core.Telemetry;

/// <summary>Dimensions for every AI call made inside a <see cref="ConciergusContext.Begin"/> block.</summary>
public sealed record ConciergusScope
{
    /// <summary>End user id (pseudonymous id preferred).</summary>
    public string? UserId { get; init; }

    /// <summary>Session id.</summary>
    public string? SessionId { get; init; }

    /// <summary>Conversation id.</summary>
    public string? ConversationId { get; init; }

    /// <summary>Application (OpenTelemetry service.name).</summary>
    public string? Application { get; init; }

    /// <summary>Logical function id (support-chat, summarize, ...).</summary>
    public string? FunctionId { get; init; }

    /// <summary>Deployment environment.</summary>
    public string? Environment { get; init; }

    /// <summary>This scope with every unset value taken from <paramref name="outer"/>.</summary>
    internal ConciergusScope MergeOver(ConciergusScope? outer) => outer is null
        ? this
        : new ConciergusScope
        {
            UserId = UserId ?? outer.UserId,
            SessionId = SessionId ?? outer.SessionId,
            ConversationId = ConversationId ?? outer.ConversationId,
            Application = Application ?? outer.Application,
            FunctionId = FunctionId ?? outer.FunctionId,
            Environment = Environment ?? outer.Environment,
        };
}

/// <summary>
/// Ambient dimensions that flow with the async call chain, for code that cannot reach the
/// <c>ChatOptions</c> of every call: <c>using (ConciergusContext.Begin(new ConciergusScope { UserId = "u1" })) { ... }</c>.
/// </summary>
public static class ConciergusContext
{
    private static readonly AsyncLocal<ConciergusScope?> CurrentScope = new();

    /// <summary>The scope in effect here (merged with every enclosing scope), or null.</summary>
    public static ConciergusScope? Current => CurrentScope.Value;

    /// <summary>
    /// Starts a scope; values left null are inherited from the enclosing scope. Dispose the result to
    /// restore the enclosing scope.
    /// </summary>
    public static IDisposable Begin(ConciergusScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var previous = CurrentScope.Value;
        CurrentScope.Value = scope.MergeOver(previous);
        return new Restorer(previous);
    }

    private sealed class Restorer(ConciergusScope? previous) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            // AsyncLocal writes only affect this execution context and its children, so restoring here
            // cannot leak into a sibling flow; the flag keeps a double dispose from undoing an outer scope.
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                CurrentScope.Value = previous;
            }
        }
    }
}
