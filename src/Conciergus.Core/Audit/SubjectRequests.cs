using System.Globalization;
using System.Security.Claims;

namespace Conciergus.Core.Audit;

/// <summary>Turns an end-user id into the pseudonymous reference the audit trail keeps ("subject:" + 16 hex of an HMAC).</summary>
public sealed class SubjectPseudonymizer(AuditKey key)
{
    private const string Purpose = "conciergus-subject-pseudonym-v1";

    /// <summary>"subject:" followed by the first 16 hex characters (64 bits) of HMAC-SHA256(key, userId).</summary>
    public string Pseudonym(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return "subject:" + key.Sign(Purpose, userId)[..16];
    }
}

/// <summary>A data-subject export: everything held about one user, keyed by store name.</summary>
/// <param name="UserId">The user the export is about (the file goes to that person).</param>
/// <param name="ExportedAt">When (UTC).</param>
/// <param name="Stores">Each registered store's data, by <see cref="ISubjectDataStore.Name"/>.</param>
/// <param name="Reference">The pseudonymous reference the audit trail records for this subject.</param>
public sealed record SubjectExport(string UserId, DateTimeOffset ExportedAt, IReadOnlyDictionary<string, object?> Stores, string Reference);

/// <summary>A data-subject erasure: items changed per store.</summary>
/// <param name="Reference">The pseudonymous reference recorded in the audit trail.</param>
/// <param name="Stores">Items erased or pseudonymised per store.</param>
/// <param name="Entry">The audit entry.</param>
public sealed record SubjectErasure(string Reference, IReadOnlyDictionary<string, long> Stores, AuditEntry Entry)
{
    /// <summary>What was removed per store, in words ("3 traces removed", "1 error samples dropped").</summary>
    public IReadOnlyDictionary<string, string> Removed { get; init; } = new Dictionary<string, string>();

    /// <summary>Sum over stores.</summary>
    public long Total => Stores.Values.Sum();
}

/// <summary>
/// Data-subject requests (GDPR Art. 15/20 export, Art. 17 erasure) across every registered <see cref="ISubjectDataStore"/>.
/// Both are audited with the subject's pseudonym only, so the chain never holds the raw user id and erasure cannot break it.
/// </summary>
public sealed class SubjectRequests(IEnumerable<ISubjectDataStore> stores, AuditRecorder recorder, SubjectPseudonymizer pseudonymizer, TimeProvider timeProvider)
{
    /// <summary>Audit action of an export.</summary>
    public const string ExportAction = "subject.export";

    /// <summary>Audit action of an erasure.</summary>
    public const string EraseAction = "subject.erase";

    private readonly IReadOnlyList<ISubjectDataStore> _stores = [.. stores.OrderBy(s => s.Name, StringComparer.Ordinal)];

    /// <summary>Names of the registered stores.</summary>
    public IReadOnlyList<string> StoreNames => [.. _stores.Select(s => s.Name)];

    /// <summary>Collects everything held about <paramref name="userId"/> and audits the export.</summary>
    public async Task<SubjectExport> ExportAsync(string userId, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default)
    {
        ValidateUserId(userId);
        var data = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var store in _stores)
        {
            data[store.Name] = await store.ExportAsync(userId, cancellationToken).ConfigureAwait(false);
        }

        var reference = pseudonymizer.Pseudonym(userId);
        await recorder.RecordAsync(actor, ExportAction, reference,
            new Dictionary<string, string> { ["stores"] = string.Join(',', data.Keys) }, sourceIp, cancellationToken).ConfigureAwait(false);
        return new SubjectExport(userId, timeProvider.GetUtcNow(), data, reference);
    }

    /// <summary>Erases or pseudonymises everything held about <paramref name="userId"/> in every store and audits the counts.</summary>
    public async Task<SubjectErasure> EraseAsync(string userId, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default)
    {
        ValidateUserId(userId);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var store in _stores)
        {
            counts[store.Name] = await store.EraseAsync(userId, cancellationToken).ConfigureAwait(false);
        }

        var reference = pseudonymizer.Pseudonym(userId);
        var details = counts.ToDictionary(p => "erased." + p.Key, p => p.Value.ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal);
        var entry = await recorder.RecordAsync(actor, EraseAction, reference, details, sourceIp, cancellationToken).ConfigureAwait(false);
        var removed = _stores.ToDictionary(s => s.Name, s => counts[s.Name].ToString(CultureInfo.InvariantCulture) + " " + s.ErasedUnit, StringComparer.Ordinal);
        return new SubjectErasure(reference, counts, entry) { Removed = removed };
    }

    private static void ValidateUserId(string userId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        if (userId.Length > 256)
        {
            throw new ArgumentException("A user id is at most 256 characters.", nameof(userId));
        }
    }
}
