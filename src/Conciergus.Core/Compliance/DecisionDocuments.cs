using System.Globalization;
using Conciergus.Core.Audit;
using LiteDB;

namespace Conciergus.Core.Compliance;

/// <summary>Maps decision records to and from their LiteDB documents (collection "decisions", _id = sequence).</summary>
internal static class DecisionDocuments
{
    public static BsonDocument ToDocument(DecisionRecord r) => new()
    {
        ["_id"] = r.Sequence,
        ["at"] = AuditCanonical.FormatTimestamp(r.RecordedAt),
        ["ts"] = AuditCanonical.FormatTimestamp(r.Time),
        ["op"] = r.OperationId,
        ["trace"] = Value(r.TraceId),
        ["app"] = r.Application,
        ["fn"] = Value(r.FunctionId),
        ["kind"] = r.Operation,
        ["provider"] = r.Provider,
        ["model"] = r.Model,
        ["ver"] = Value(r.ModelVersion),
        ["exp"] = Value(r.ExperimentKey),
        ["var"] = Value(r.ExperimentVariant),
        ["subj"] = Value(r.Subject),
        ["purpose"] = r.Purpose,
        ["in"] = r.InputDigest,
        ["out"] = r.OutputDigest,
        ["dsrc"] = r.DigestSource,
        ["outcome"] = r.Outcome,
        ["err"] = Value(r.ErrorCategory),
        ["prev"] = r.PreviousHash,
        ["hash"] = r.Hash,
    };

    public static DecisionRecord FromDocument(BsonDocument d) => new()
    {
        Sequence = d["_id"].AsInt64,
        RecordedAt = Time(d["at"]),
        Time = Time(d["ts"]),
        OperationId = Str(d["op"]) ?? "",
        TraceId = Str(d["trace"]),
        Application = Str(d["app"]) ?? "",
        FunctionId = Str(d["fn"]),
        Operation = Str(d["kind"]) ?? "",
        Provider = Str(d["provider"]) ?? "",
        Model = Str(d["model"]) ?? "",
        ModelVersion = Str(d["ver"]),
        ExperimentKey = Str(d["exp"]),
        ExperimentVariant = Str(d["var"]),
        Subject = Str(d["subj"]),
        Purpose = Str(d["purpose"]) ?? "",
        InputDigest = Str(d["in"]) ?? "",
        OutputDigest = Str(d["out"]) ?? "",
        DigestSource = Str(d["dsrc"]) ?? "",
        Outcome = Str(d["outcome"]) ?? "",
        ErrorCategory = Str(d["err"]),
        PreviousHash = Str(d["prev"]) ?? "",
        Hash = Str(d["hash"]) ?? "",
    };

    private static BsonValue Value(string? value) => value is null ? BsonValue.Null : new BsonValue(value);

    private static DateTimeOffset Time(BsonValue value) =>
        DateTimeOffset.Parse(value.AsString, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static string? Str(BsonValue value) => value.IsNull ? null : value.IsString ? value.AsString : value.ToString();
}

/// <summary>Where kept decision history starts after a retention purge; signed, so a forged anchor is detected.</summary>
/// <param name="Sequence">First kept sequence.</param>
/// <param name="PreviousHash">Hash of the last purged record.</param>
/// <param name="PurgedAt">When the purge ran.</param>
/// <param name="Cutoff">Records recorded before this time were purged.</param>
/// <param name="Hmac">HMAC-SHA256 over "sequence|prev|at|cutoff" (sub-key "conciergus-decision-anchor-v1").</param>
public sealed record DecisionAnchor(long Sequence, string PreviousHash, DateTimeOffset PurgedAt, DateTimeOffset Cutoff, string Hmac);
