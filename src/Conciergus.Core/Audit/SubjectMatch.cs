using Conciergus.Core.Model;

namespace Conciergus.Core.Audit;

/// <summary>
/// Finds a data subject's id inside free text (issue 15 item 7): a status message "quota exceeded for u-42", a session
/// id "sess-u-42", a metadata value, a prompt attribute. A match is the id as a whole token, ignoring case: the
/// characters around it are not letters or digits, so "sess-u-42" and "user=u-42;" name u-42 but "u-421" does not.
/// Erasure errs on the side of removing: any stored string that mentions the id counts.
/// </summary>
public static class SubjectMatch
{
    /// <summary>Whether <paramref name="text"/> mentions <paramref name="subject"/> as a whole token.</summary>
    public static bool Mentions(string? text, string subject)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        if (string.IsNullOrEmpty(text) || text.Length < subject.Length)
        {
            return false;
        }

        var from = 0;
        while (from <= text.Length - subject.Length)
        {
            var at = text.IndexOf(subject, from, StringComparison.OrdinalIgnoreCase);
            if (at < 0)
            {
                return false;
            }

            var end = at + subject.Length;
            var before = at == 0 || !char.IsLetterOrDigit(text[at - 1]) || !char.IsLetterOrDigit(subject[0]);
            var after = end == text.Length || !char.IsLetterOrDigit(text[end]) || !char.IsLetterOrDigit(subject[^1]);
            if (before && after)
            {
                return true;
            }

            from = at + 1;
        }

        return false;
    }

    /// <summary>Whether any string of <paramref name="map"/> (keys or values) mentions the subject.</summary>
    public static bool Mentions(IReadOnlyDictionary<string, string>? map, string subject) =>
        map is not null && map.Any(p => Mentions(p.Key, subject) || Mentions(p.Value, subject));

    /// <summary>Whether any stored string of the operation mentions the subject (ids, names, error, metadata, ...).</summary>
    public static bool Mentions(AiOperation? op, string subject) =>
        op is not null
        && (Mentions(op.UserId, subject) || Mentions(op.SessionId, subject) || Mentions(op.ConversationId, subject)
            || Mentions(op.FunctionId, subject) || Mentions(op.Application, subject) || Mentions(op.Environment, subject)
            || Mentions(op.ExperimentKey, subject) || Mentions(op.ExperimentVariant, subject)
            || Mentions(op.OperationId, subject) || Mentions(op.TraceId, subject) || Mentions(op.SpanId, subject)
            || Mentions(op.Operation, subject) || Mentions(op.Provider, subject) || Mentions(op.RequestModel, subject)
            || Mentions(op.ResponseModel, subject) || Mentions(op.OriginalModel, subject) || Mentions(op.PriceVersion, subject)
            || Mentions(op.Error?.Type, subject) || Mentions(op.Error?.Code, subject) || Mentions(op.Error?.Message, subject)
            || (op.FinishReasons?.Any(r => Mentions(r, subject)) ?? false)
            || Mentions(op.Metadata, subject));
}
