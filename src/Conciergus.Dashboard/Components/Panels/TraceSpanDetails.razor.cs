using System.Globalization;
using Conciergus.Core.Model;
using Conciergus.Core.Traces;
using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Components.Panels;

/// <summary>
/// The selected span: its AI call (model, provider, tokens, cost, time to first token, finish reasons, error)
/// and its raw attributes. Message content is redacted by <see cref="ISpanContentRedactor"/> unless the
/// operator turns on "Show message content".
/// </summary>
public sealed partial class TraceSpanDetails
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    [Inject]
    public required ISpanContentRedactor Redactor { get; init; }

    /// <summary>The span to show; null shows a hint to select one.</summary>
    [Parameter]
    public TraceSpanNode? Node { get; set; }

    /// <summary>Whether message content attributes are shown as sent (redacted otherwise).</summary>
    [Parameter]
    public bool ShowContent { get; set; }

    /// <summary>Called when the operator flips the content toggle.</summary>
    [Parameter]
    public EventCallback<bool> ShowContentChanged { get; set; }

    /// <summary>When set, the content toggle is replaced by this note (content not captured, or the role to reveal it is missing).</summary>
    [Parameter]
    public string? RevealNote { get; set; }

    private int ContentCount => Node?.Span.Attributes.Keys.Count(Redactor.IsContent) ?? 0;

    private IEnumerable<KeyValuePair<string, string>> DisplayedAttributes
    {
        get
        {
            if (Node is null)
            {
                return [];
            }

            var attributes = ShowContent ? Node.Span.Attributes : Redactor.RedactAttributes(Node.Span.Attributes);
            return attributes.OrderBy(a => a.Key, StringComparer.Ordinal);
        }
    }

    private static string CostText(AiOperation op) => op.Pricing switch
    {
        PricingStatus.Unpriced => "unpriced (model not in the price catalog)",
        PricingStatus.Pending => "not priced yet",
        _ => op.CostUsd is { } cost ? Formatting.Usd(cost) + (op.PriceVersion is { } version ? $" ({version})" : "") : Formatting.Missing,
    };

    private static string ErrorText(AiOperation op)
    {
        if (op.Error is not { } error)
        {
            return Formatting.Missing;
        }

        var parts = new List<string>(4);
        if (error.Type is { Length: > 0 } type)
        {
            parts.Add(type);
        }

        if (error.HttpStatus is { } status)
        {
            parts.Add("HTTP " + status.ToString(Invariant));
        }

        if (error.Code is { Length: > 0 } code)
        {
            parts.Add(code);
        }

        if (error.Message is { Length: > 0 } message)
        {
            parts.Add(message);
        }

        return parts.Count == 0 ? Formatting.Missing : string.Join(" · ", parts);
    }
}
