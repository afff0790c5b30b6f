using System.Globalization;
using System.Text;
using Conciergus.Core.Audit;
using Conciergus.Core.Model;

namespace Conciergus.Core.Compliance;

/// <summary>One AI decision record (EU AI Act Art. 12 style): what ran, for whom (pseudonymously), why, and digests of what went in and out.</summary>
public sealed record DecisionRecord
{
    /// <summary>Position in the decision chain, from 1, gapless.</summary>
    public required long Sequence { get; init; }

    /// <summary>When the writer recorded it (UTC); retention uses this time.</summary>
    public required DateTimeOffset RecordedAt { get; init; }

    /// <summary>When the operation started (UTC).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>Operation id.</summary>
    public required string OperationId { get; init; }

    /// <summary>W3C trace id, when known.</summary>
    public string? TraceId { get; init; }

    /// <summary>Application (service.name).</summary>
    public required string Application { get; init; }

    /// <summary>Function id.</summary>
    public string? FunctionId { get; init; }

    /// <summary>Operation kind (chat, embeddings, ...).</summary>
    public required string Operation { get; init; }

    /// <summary>Provider.</summary>
    public required string Provider { get; init; }

    /// <summary>Requested model.</summary>
    public required string Model { get; init; }

    /// <summary>Model version: the model the provider reported (often a dated variant).</summary>
    public string? ModelVersion { get; init; }

    /// <summary>Experiment key.</summary>
    public string? ExperimentKey { get; init; }

    /// <summary>Experiment variant.</summary>
    public string? ExperimentVariant { get; init; }

    /// <summary>Pseudonymous subject reference ("ref:" + random hex, see <see cref="DecisionSubjects"/>), null without a user id.</summary>
    public string? Subject { get; init; }

    /// <summary>Purpose tag: metadata "purpose" (or "conciergus.purpose"), else the function id, else "unspecified".</summary>
    public required string Purpose { get; init; }

    /// <summary>SHA-256 (hex) of the input; see <see cref="DigestSource"/>.</summary>
    public required string InputDigest { get; init; }

    /// <summary>SHA-256 (hex) of the output; see <see cref="DigestSource"/>.</summary>
    public required string OutputDigest { get; init; }

    /// <summary>"content" when the app sent digests of the real text, else "envelope" (digests of what the operation carries).</summary>
    public required string DigestSource { get; init; }

    /// <summary>"ok" or "error".</summary>
    public required string Outcome { get; init; }

    /// <summary>Error category (snake case), null when ok.</summary>
    public string? ErrorCategory { get; init; }

    /// <summary>Hash of the previous record, or the anchor's value for the first kept record.</summary>
    public required string PreviousHash { get; init; }

    /// <summary>SHA-256 (hex) of the canonical serialization (see Compliance/README.md).</summary>
    public required string Hash { get; init; }
}

/// <summary>Builds decision records from operations and computes their hashes (canonical serialization "d1").</summary>
public static class DecisionCanonical
{
    /// <summary>Version tag, first element of the array.</summary>
    public const string Version = "d1";

    /// <summary>Metadata key an app may set to the SHA-256 (hex) of the prompt it sent (the text itself never leaves the app).</summary>
    public const string InputDigestKey = "conciergus.input_sha256";

    /// <summary>Metadata key an app may set to the SHA-256 (hex) of the response it got.</summary>
    public const string OutputDigestKey = "conciergus.output_sha256";

    /// <summary>Builds the record for one operation (on the writer thread, never on Record's path).</summary>
    public static DecisionRecord Build(AiOperation op, long sequence, DateTimeOffset recordedAt, string? subject, string previousHash)
    {
        ArgumentNullException.ThrowIfNull(op);
        var input = Metadata(op, InputDigestKey);
        var output = Metadata(op, OutputDigestKey);
        var content = IsDigest(input) && IsDigest(output);
        var record = new DecisionRecord
        {
            Sequence = sequence,
            RecordedAt = recordedAt.ToUniversalTime(),
            Time = op.StartTime.ToUniversalTime(),
            OperationId = op.OperationId,
            TraceId = op.TraceId,
            Application = op.Application,
            FunctionId = op.FunctionId,
            Operation = op.Operation,
            Provider = op.Provider,
            Model = op.Model,
            ModelVersion = op.ResponseModel,
            ExperimentKey = op.ExperimentKey,
            ExperimentVariant = op.ExperimentVariant,
            Subject = subject,
            Purpose = Metadata(op, "purpose") ?? Metadata(op, "conciergus.purpose") ?? op.FunctionId ?? "unspecified",
            InputDigest = content ? input!.ToLowerInvariant() : AuditCanonical.Sha256Hex(InputEnvelope(op)),
            OutputDigest = content ? output!.ToLowerInvariant() : AuditCanonical.Sha256Hex(OutputEnvelope(op)),
            DigestSource = content ? "content" : "envelope",
            Outcome = op.Status == AiOperationStatus.Ok ? "ok" : "error",
            ErrorCategory = op.Status == AiOperationStatus.Ok ? null : Model.ErrorCategoryNames.ToWireName(op.ErrorCategory),
            PreviousHash = previousHash,
            Hash = "",
        };
        return record with { Hash = Hash(record) };
    }

    /// <summary>The record as a JSON array (every field but the hash, in declaration order, "d1" first).</summary>
    public static string Serialize(DecisionRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var sb = new StringBuilder(640);
        sb.Append('[');
        Str(sb, Version).Append(',');
        sb.Append(r.Sequence.ToString(CultureInfo.InvariantCulture)).Append(',');
        foreach (var value in new[]
                 {
                     AuditCanonical.FormatTimestamp(r.RecordedAt), AuditCanonical.FormatTimestamp(r.Time), r.OperationId, r.TraceId, r.Application,
                     r.FunctionId, r.Operation, r.Provider, r.Model, r.ModelVersion, r.ExperimentKey, r.ExperimentVariant, r.Subject, r.Purpose,
                     r.InputDigest, r.OutputDigest, r.DigestSource, r.Outcome, r.ErrorCategory,
                 })
        {
            Str(sb, value).Append(',');
        }

        Str(sb, r.PreviousHash).Append(']');
        return sb.ToString();
    }

    /// <summary>SHA-256 of <see cref="Serialize"/>, lower-case hex.</summary>
    public static string Hash(DecisionRecord record) => AuditCanonical.Sha256Hex(Serialize(record));

    /// <summary>What the operation carries about its input (no text): ["in", operation, request model, input, cached, cache-creation tokens, conversation present].</summary>
    internal static string InputEnvelope(AiOperation op) => Array(
        "in", op.OperationId, op.Operation, op.RequestModel, Num(op.InputTokens), Num(op.CachedInputTokens), Num(op.CacheCreationInputTokens));

    /// <summary>What the operation carries about its output: ["out", response model, output and reasoning tokens, finish reasons, status, error type].</summary>
    internal static string OutputEnvelope(AiOperation op) => Array(
        "out", op.OperationId, op.ResponseModel, Num(op.OutputTokens), Num(op.ReasoningTokens),
        op.FinishReasons is { Count: > 0 } reasons ? string.Join(',', reasons) : null,
        op.Status == AiOperationStatus.Ok ? "ok" : "error", op.Error?.Type);

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Array(params string?[] values)
    {
        var sb = new StringBuilder(160).Append('[');
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            Str(sb, values[i]);
        }

        return sb.Append(']').ToString();
    }

    private static StringBuilder Str(StringBuilder sb, string? value) => AuditCanonical.AppendString(sb, value);

    private static string? Metadata(AiOperation op, string key) =>
        op.Metadata is not null && op.Metadata.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

    private static bool IsDigest(string? value) => value is { Length: 64 } && value.All(Uri.IsHexDigit);
}
