using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Audit;

/// <summary>Privacy options (section "Conciergus:Privacy").</summary>
public sealed class PrivacyOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Conciergus:Privacy";

    /// <summary>Whether prompt and response text may be stored at all (redacted); off by default.</summary>
    public bool CaptureContent { get; set; }

    /// <summary>
    /// The least role that may reveal captured message content in a trace ("Operator" by default, or "Admin");
    /// every reveal is audited (<see cref="RevealAction"/>). A value that names no role means Admin (fail closed).
    /// </summary>
    public string RevealContentRole { get; set; } = "Operator";

    /// <summary>Audit action of revealing a trace's message content.</summary>
    public const string RevealAction = "trace.content.reveal";
}

/// <summary>
/// Answers whether prompt and response text may be stored and prepares it: nothing when capture is off, the
/// redacted text (through the redactor registered for <see cref="ConciergusClassifications.Content"/>) when on.
/// Features that store or show content call <see cref="PrepareForStorage"/> before storage and <see cref="Redact"/> before display.
/// </summary>
/// <remarks>
/// Content that arrives while capture is off is withheld and counted in <see cref="Withheld"/>: an application is
/// sending prompt or response text against the policy (a compliance violation the dashboard alerts on, issue 19 item 6).
/// </remarks>
public sealed class ContentCapturePolicy(IOptions<PrivacyOptions> options, IRedactorProvider redactors, TimeProvider? timeProvider = null)
{
    private readonly Redactor _redactor = redactors.GetRedactor(new DataClassificationSet(ConciergusClassifications.Content));

    /// <summary>Content values (span attributes, log bodies) that arrived while capture was off and were withheld.</summary>
    public WindowedCounter Withheld { get; } = new(timeProvider ?? TimeProvider.System);

    /// <summary>Whether prompt and response text may be stored.</summary>
    public bool CaptureContent => options.Value.CaptureContent;

    /// <summary>The text with emails, phone numbers, card numbers and keys replaced by placeholders.</summary>
    public string Redact(string text) => _redactor.Redact(text);

    /// <summary>Null when capture is off (or the text is null); otherwise the redacted text.</summary>
    public string? PrepareForStorage(string? text) => !CaptureContent || text is null ? null : Redact(text);
}
