using System.Security.Claims;
using Conciergus.Core.Audit;
using Conciergus.Dashboard.Security;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// Revealing a trace's message content (issue 15 item 6): needs <c>Conciergus:Privacy:RevealContentRole</c> (Operator
/// by default) and is audited with who and which trace, from the API (<c>?showContent=true</c>) and the trace page alike.
/// </summary>
public static class ContentReveal
{
    /// <summary>The least role that may reveal content; a setting that names no role means Admin (fail closed).</summary>
    public static ConciergusRole RequiredRole(PrivacyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ConciergusClaims.TryParseRole(options.RevealContentRole, out var role) ? role : ConciergusRole.Admin;
    }

    /// <summary>Whether <paramref name="user"/> may reveal content.</summary>
    public static bool MayReveal(ClaimsPrincipal? user, PrivacyOptions options) => user.HasConciergusRole(RequiredRole(options));

    /// <summary>Audits a reveal of <paramref name="traceId"/> by <paramref name="user"/>; completes once the entry is durable.</summary>
    public static Task AuditAsync(AuditRecorder recorder, ClaimsPrincipal? user, string traceId, bool captureOn, string? sourceIp, CancellationToken cancellationToken = default) =>
        AuditAsync(recorder, user, traceId, captureOn, sourceIp, purpose: null, cancellationToken);

    /// <summary>Audits a reveal with the reader's stated purpose (<see cref="ReadPurpose"/>).</summary>
    public static async Task AuditAsync(AuditRecorder recorder, ClaimsPrincipal? user, string traceId, bool captureOn, string? sourceIp, string? purpose, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        await recorder.RecordAsync(user, PrivacyOptions.RevealAction, traceId,
            new Dictionary<string, string> { ["captureContent"] = captureOn ? "true" : "false", ["purpose"] = ReadPurpose.Clean(purpose) }, sourceIp, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>403 when the caller may not reveal content, else null.</summary>
    internal static IResult? Refusal(HttpContext http)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<PrivacyOptions>>().Value;
        return MayReveal(http.User, options)
            ? null
            : Results.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Content not revealed",
                detail: $"Revealing message content needs the {RequiredRole(options)} role (Conciergus:Privacy:RevealContentRole); omit showContent to get the trace with content redacted.");
    }

    /// <summary>Audits a reveal of <paramref name="traceId"/> by the request's caller; completes once the entry is durable.</summary>
    internal static async Task AuditAsync(HttpContext http, string traceId)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<PrivacyOptions>>().Value;
        if (http.RequestServices.GetService<AuditRecorder>() is { } recorder)
        {
            await AuditAsync(recorder, http.User, traceId, options.CaptureContent, http.Connection.RemoteIpAddress?.ToString(), ReadPurpose.Of(http), http.RequestAborted).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// The purpose a reader states for reading personal data (GDPR Art. 5(1)(b), purpose limitation): the <c>purpose</c>
/// query parameter or the <c>X-Conciergus-Purpose</c> header, at most 200 characters; "unspecified" when absent.
/// Recorded in the audit entry of every audited read.
/// </summary>
public static class ReadPurpose
{
    /// <summary>Header carrying the purpose.</summary>
    public const string Header = "X-Conciergus-Purpose";

    /// <summary>The request's stated purpose.</summary>
    public static string Of(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var value = http.Request.Query["purpose"].FirstOrDefault() ?? http.Request.Headers[Header].FirstOrDefault();
        return Clean(value);
    }

    /// <summary>Trimmed, control characters removed, at most 200 characters; "unspecified" when empty.</summary>
    public static string Clean(string? purpose)
    {
        var text = new string((purpose ?? "").Where(c => !char.IsControl(c)).ToArray()).Trim();
        return text.Length == 0 ? "unspecified" : text[..Math.Min(text.Length, 200)];
    }
}
