namespace Conciergus.Core.Refusals;

/// <summary>Why a request was refused; the one HTTP mapping lives in the dashboard's refusal handler.</summary>
public enum RefusalKind
{
    /// <summary>Bad input (400), with <see cref="RefusalException.Errors"/> by field.</summary>
    Invalid,

    /// <summary>No such thing (404).</summary>
    NotFound,

    /// <summary>Not allowed in the current state (409): acknowledge a resolved alert, start a stopped experiment.</summary>
    Conflict,

    /// <summary>A dependency the request needs is not available now (503); retrying later can work.</summary>
    Unavailable,
}

/// <summary>
/// A refused request with a message an operator can act on. Every feature throws this one type (never a feature-named
/// copy of it); endpoints do not catch it: one exception handler turns it into problem details.
/// </summary>
public sealed class RefusalException : Exception
{
    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    /// <summary>Creates one.</summary>
    public RefusalException(RefusalKind kind, string message, IReadOnlyDictionary<string, string[]>? errors = null)
        : base(message)
    {
        Kind = kind;
        Errors = errors ?? NoErrors;
    }

    /// <summary>Creates an <see cref="RefusalKind.Invalid"/> refusal.</summary>
    public RefusalException()
        : this(RefusalKind.Invalid, "The request was refused.")
    {
    }

    /// <summary>Creates an <see cref="RefusalKind.Invalid"/> refusal.</summary>
    public RefusalException(string message)
        : this(RefusalKind.Invalid, message)
    {
    }

    /// <summary>Creates an <see cref="RefusalKind.Invalid"/> refusal caused by <paramref name="innerException"/>.</summary>
    public RefusalException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = RefusalKind.Invalid;
        Errors = NoErrors;
    }

    /// <summary>Why it was refused.</summary>
    public RefusalKind Kind { get; }

    /// <summary>Field -> messages (empty unless <see cref="Kind"/> is <see cref="RefusalKind.Invalid"/>).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>400 with one field's message.</summary>
    public static RefusalException Invalid(string field, string message) =>
        new(RefusalKind.Invalid, message, new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>404.</summary>
    public static RefusalException NotFound(string message) => new(RefusalKind.NotFound, message);

    /// <summary>409.</summary>
    public static RefusalException Conflict(string message) => new(RefusalKind.Conflict, message);

    /// <summary>503.</summary>
    public static RefusalException Unavailable(string message) => new(RefusalKind.Unavailable, message);
}
