using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;

namespace Conciergus.Core.Audit;

/// <summary>Data classifications of the dashboard.</summary>
public static class ConciergusClassifications
{
    /// <summary>Taxonomy name.</summary>
    public const string Taxonomy = "Conciergus";

    /// <summary>Prompt and response text ("Conciergus:Content").</summary>
    public static DataClassification Content { get; } = new(Taxonomy, "Content");
}

/// <summary>
/// Redacts personal data and secrets inside free text (prompts, responses): API-key-like strings ("[key]", Bearer
/// tokens keep the word "Bearer"), email addresses ("[email]"), payment card numbers that pass the Luhn check
/// ("[card]") and phone numbers ("[phone]"). Everything else is left as it is.
/// </summary>
/// <remarks>
/// Order matters: keys first (they contain digits that could look like numbers), then emails, cards, phones.
/// A phone number needs 7 to 15 digits (E.164) and either a leading + or formatting (space, dot, dash,
/// parentheses): a bare run of digits is more often an order number than a phone. ISO dates and IPv4 addresses
/// are not phones.
/// </remarks>
public sealed partial class ContentRedactor : Redactor
{
    /// <summary>Placeholder for an email address.</summary>
    public const string Email = "[email]";

    /// <summary>Placeholder for a phone number.</summary>
    public const string Phone = "[phone]";

    /// <summary>Placeholder for a payment card number.</summary>
    public const string Card = "[card]";

    /// <summary>Placeholder for an API key or token.</summary>
    public const string Key = "[key]";

    /// <summary>The redacted text.</summary>
    public static string RedactText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return text;
        }

        var result = BearerPattern().Replace(text, "Bearer " + Key);
        result = KeyPattern().Replace(result, Key);
        result = EmailPattern().Replace(result, Email);
        result = CardCandidatePattern().Replace(result, m => IsCard(m.Value) ? Card : m.Value);
        result = PhoneCandidatePattern().Replace(result, m => IsPhone(m.Value) ? Phone : m.Value);
        return result;
    }

    /// <inheritdoc />
    public override int GetRedactedLength(ReadOnlySpan<char> input) => RedactText(input.ToString()).Length;

    /// <inheritdoc />
    public override int Redact(ReadOnlySpan<char> source, Span<char> destination)
    {
        var redacted = RedactText(source.ToString());
        redacted.AsSpan().CopyTo(destination);
        return redacted.Length;
    }

    /// <summary>Whether the digits (separators ignored) are 13 to 19 long and pass the Luhn check.</summary>
    public static bool IsCard(string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var digits = Digits(candidate);
        if (digits.Length is < 13 or > 19)
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return sum % 10 == 0;
    }

    private static bool IsPhone(string candidate)
    {
        var digits = Digits(candidate).Length;
        if (digits is < 7 or > 15 || IsoDatePattern().IsMatch(candidate) || Ipv4Pattern().IsMatch(candidate))
        {
            return false;
        }

        var trimmed = candidate.Trim();
        return trimmed.StartsWith('+') || trimmed.AsSpan().IndexOfAny(" .-()") >= 0;
    }

    private static string Digits(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    [GeneratedRegex(@"\bBearer\s+[A-Za-z0-9._~+/=-]{8,}", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex BearerPattern();

    // sk-ant-..., sk-proj-..., sk-..., AWS access key ids, GitHub tokens, long hex, long base64-like tokens with letters and digits.
    [GeneratedRegex(
        @"(?<![A-Za-z0-9])(?:sk-ant-[A-Za-z0-9_-]{10,}|sk-[A-Za-z0-9_-]{16,}|(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|[0-9a-fA-F]{32,}|(?=[A-Za-z0-9+/_-]*[0-9])(?=[A-Za-z0-9+/_-]*[A-Za-z])[A-Za-z0-9+/_-]{40,}={0,2})(?![A-Za-z0-9])",
        RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])", RegexOptions.CultureInvariant)]
    private static partial Regex CardCandidatePattern();

    [GeneratedRegex(@"(?<![\w+])(?:\+|00)?\(?\d[\d .()-]{5,}\d(?!\w)", RegexOptions.CultureInvariant)]
    private static partial Regex PhoneCandidatePattern();

    [GeneratedRegex(@"^\s*\d{4}-\d{2}-\d{2}\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDatePattern();

    [GeneratedRegex(@"^\s*\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv4Pattern();
}
