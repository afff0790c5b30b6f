using Microsoft.Extensions.Options;

namespace Conciergus.Core.Compliance;

/// <summary>Compliance options (section "Conciergus:Compliance").</summary>
public sealed class ComplianceOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Conciergus:Compliance";

    /// <summary>Write an AI decision record (hash-chained, in LiteDB) for every operation the collector records.</summary>
    public bool RecordAiDecisions { get; set; }

    /// <summary>Operations waiting for the decision writer; beyond this they are dropped and counted.</summary>
    public int DecisionQueueCapacity { get; set; } = 100_000;

    /// <summary>Most records the writer inserts in one LiteDB transaction.</summary>
    public int DecisionBatchSize { get; set; } = 2_000;

    /// <summary>A signed checkpoint of the decision chain every this many records (and at start and shutdown).</summary>
    public int DecisionCheckpointInterval { get; set; } = 10_000;

    /// <summary>Framework preset applied until an Admin saves a policy: GDPR, CCPA, HIPAA, SOX or EU_AI_ACT.</summary>
    public string Framework { get; set; } = RetentionPresets.Gdpr;

    /// <summary>How often the retention purge runs.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Consent for users the apps never sent a consent state for. False (default): treated as granted (opt-out, as
    /// under CCPA); true: treated as refused for every purpose until granted (opt-in, as GDPR consent requires).
    /// </summary>
    public bool RequireConsent { get; set; }

    /// <summary>
    /// Request kinds fulfilled automatically at receipt (verified by the Admin or API key that logged them): any of
    /// access, portability, erasure, rectification, restriction, objection. Empty (default): an Admin verifies and fulfils.
    /// </summary>
    public IList<string> AutoFulfil { get; } = [];

    /// <summary>Folder for archives written before retention purges audit entries and decision records (null: purge without archive).</summary>
    public string? ArchiveDirectory { get; set; }

    /// <summary>How often the audit and decision chains are verified in the background (a failure is a violation that alerts).</summary>
    public TimeSpan VerifyInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How late a retention run may be past its interval before it counts as not enforced (a violation).</summary>
    public TimeSpan RetentionGrace { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Delayed anonymisation per data class, applied by every retention run: e.g. <c>Anonymise:operations:After = 90.00:00:00</c>
    /// and <c>Mode = pseudonym</c> (a keyed pseudonym) or <c>remove</c>. Only "operations" holds identifiers to anonymise.
    /// </summary>
    public IDictionary<string, AnonymisationRule> Anonymise { get; } = new Dictionary<string, AnonymisationRule>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>When and how a data class's identifiers are anonymised.</summary>
public sealed class AnonymisationRule
{
    /// <summary>Keyed pseudonym: HMAC of the id with the audit key ("anon:" + 16 hex): still linkable by whoever holds the key.</summary>
    public const string Pseudonym = "pseudonym";

    /// <summary>The identifier is removed (NULL): no longer linkable at all.</summary>
    public const string Remove = "remove";

    /// <summary>Age (from the operation's start) after which identifiers are anonymised.</summary>
    public TimeSpan After { get; set; }

    /// <summary><see cref="Pseudonym"/> (default) or <see cref="Remove"/>.</summary>
    public string Mode { get; set; } = Pseudonym;
}

/// <summary>Validates <see cref="ComplianceOptions"/> at start.</summary>
public sealed class ComplianceOptionsValidator : IValidateOptions<ComplianceOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ComplianceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.DecisionQueueCapacity is < 1_000 or > 10_000_000)
        {
            errors.Add($"Conciergus:Compliance:DecisionQueueCapacity must be between 1000 and 10000000 (got {options.DecisionQueueCapacity}).");
        }

        if (options.DecisionBatchSize is < 1 or > 100_000)
        {
            errors.Add($"Conciergus:Compliance:DecisionBatchSize must be between 1 and 100000 (got {options.DecisionBatchSize}).");
        }

        if (options.DecisionCheckpointInterval is < 1 or > 10_000_000)
        {
            errors.Add($"Conciergus:Compliance:DecisionCheckpointInterval must be between 1 and 10000000 (got {options.DecisionCheckpointInterval}).");
        }

        if (RetentionPresets.Find(options.Framework) is null)
        {
            errors.Add($"Conciergus:Compliance:Framework '{options.Framework}' is not one of {string.Join(", ", RetentionPresets.All.Select(p => p.Framework))}.");
        }

        if (options.PurgeInterval < TimeSpan.FromMinutes(1))
        {
            errors.Add("Conciergus:Compliance:PurgeInterval must be at least one minute.");
        }

        if (options.VerifyInterval < TimeSpan.FromMinutes(1))
        {
            errors.Add("Conciergus:Compliance:VerifyInterval must be at least one minute.");
        }

        if (options.RetentionGrace < TimeSpan.Zero)
        {
            errors.Add("Conciergus:Compliance:RetentionGrace must not be negative.");
        }

        foreach (var (dataClass, rule) in options.Anonymise)
        {
            if (!string.Equals(dataClass, DataClasses.Operations, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"Conciergus:Compliance:Anonymise:{dataClass}: only '{DataClasses.Operations}' holds identifiers to anonymise (decisions, audit and requests keep pseudonyms only).");
            }

            if (rule.After < TimeSpan.FromHours(1))
            {
                errors.Add($"Conciergus:Compliance:Anonymise:{dataClass}:After must be at least one hour (got {rule.After}).");
            }

            if (rule.Mode is not (AnonymisationRule.Pseudonym or AnonymisationRule.Remove))
            {
                errors.Add($"Conciergus:Compliance:Anonymise:{dataClass}:Mode must be '{AnonymisationRule.Pseudonym}' or '{AnonymisationRule.Remove}' (got '{rule.Mode}').");
            }
        }

        foreach (var kind in options.AutoFulfil.Where(k => !SubjectRequestKinds.All.Contains(k)))
        {
            errors.Add($"Conciergus:Compliance:AutoFulfil lists '{kind}', which is not one of {string.Join(", ", SubjectRequestKinds.All)}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
