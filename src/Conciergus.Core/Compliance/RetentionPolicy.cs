namespace Conciergus.Core.Compliance;

/// <summary>The data classes a retention policy covers.</summary>
public static class DataClasses
{
    /// <summary>Operations and spans of AI traces in the operation store (Conciergus:Operations); the in-memory rings are bounded by their size.</summary>
    public const string Operations = "operations";

    /// <summary>AI decision records (LiteDB, hash chain).</summary>
    public const string Decisions = "decisions";

    /// <summary>Audit trail entries (LiteDB, hash chain).</summary>
    public const string Audit = "audit";

    /// <summary>Data-subject request workflow entries (LiteDB); only completed requests expire.</summary>
    public const string SubjectRequests = "subjectRequests";

    /// <summary>Every class, in display order.</summary>
    public static IReadOnlyList<string> All { get; } = [Operations, Decisions, Audit, SubjectRequests];
}

/// <summary>A framework preset: retention in days per data class and the floor the framework sets, where it sets one.</summary>
/// <param name="Framework">Key (GDPR, CCPA, HIPAA, SOX, EU_AI_ACT).</param>
/// <param name="Title">Display name.</param>
/// <param name="Basis">What the values rest on, in one sentence (not legal advice).</param>
/// <param name="Days">Retention per data class.</param>
/// <param name="MinimumDays">Least retention per data class the framework asks for; edits below it are refused.</param>
public sealed record RetentionPreset(string Framework, string Title, string Basis, IReadOnlyDictionary<string, int> Days, IReadOnlyDictionary<string, int> MinimumDays);

/// <summary>The retention policy in force.</summary>
public sealed record RetentionPolicy
{
    /// <summary>The framework preset it started from.</summary>
    public required string Framework { get; init; }

    /// <summary>Retention in days per data class (<see cref="DataClasses"/>).</summary>
    public required IReadOnlyDictionary<string, int> Days { get; init; }

    /// <summary>When an Admin last saved it (null: the configured preset, never edited).</summary>
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Who saved it.</summary>
    public string? UpdatedBy { get; init; }

    /// <summary>Retention of one class.</summary>
    public TimeSpan For(string dataClass) => TimeSpan.FromDays(Days.TryGetValue(dataClass, out var days) ? days : 365);
}

/// <summary>The built-in framework presets (see Compliance/README.md: starting points, not legal advice).</summary>
public static class RetentionPresets
{
    /// <summary>EU General Data Protection Regulation.</summary>
    public const string Gdpr = "GDPR";

    /// <summary>California Consumer Privacy Act (as amended by CPRA).</summary>
    public const string Ccpa = "CCPA";

    /// <summary>US Health Insurance Portability and Accountability Act.</summary>
    public const string Hipaa = "HIPAA";

    /// <summary>US Sarbanes-Oxley Act.</summary>
    public const string Sox = "SOX";

    /// <summary>EU Artificial Intelligence Act.</summary>
    public const string EuAiAct = "EU_AI_ACT";

    /// <summary>Every preset.</summary>
    public static IReadOnlyList<RetentionPreset> All { get; } =
    [
        Preset(Gdpr, "GDPR", "Storage limitation (Art. 5(1)(e)): keep personal data no longer than needed; keep evidence of requests for accountability (Art. 5(2)).",
            operations: 30, decisions: 180, audit: 365, requests: 1095, minimum: []),
        Preset(Ccpa, "CCPA / CPRA", "Records of consumer requests kept at least 24 months (CCPA regulations § 7101).",
            operations: 30, decisions: 180, audit: 730, requests: 730, minimum: [(DataClasses.SubjectRequests, 730)]),
        Preset(Hipaa, "HIPAA", "Required documentation, including audit controls, kept six years (45 CFR 164.316(b)(2)).",
            operations: 30, decisions: 2190, audit: 2190, requests: 2190, minimum: [(DataClasses.Audit, 2190), (DataClasses.SubjectRequests, 2190)]),
        Preset(Sox, "SOX", "Audit records kept seven years (SOX § 802, 17 CFR 210.2-06).",
            operations: 30, decisions: 2555, audit: 2555, requests: 2555, minimum: [(DataClasses.Audit, 2555), (DataClasses.Decisions, 2555)]),
        Preset(EuAiAct, "EU AI Act", "Automatically generated logs of high-risk systems kept at least six months (Art. 19(1), Art. 26(6)).",
            operations: 30, decisions: 183, audit: 365, requests: 1095, minimum: [(DataClasses.Decisions, 183)]),
    ];

    /// <summary>The preset with this key (case-insensitive), or null.</summary>
    public static RetentionPreset? Find(string? framework) =>
        All.FirstOrDefault(p => string.Equals(p.Framework, framework, StringComparison.OrdinalIgnoreCase));

    /// <summary>The policy a preset gives.</summary>
    public static RetentionPolicy PolicyOf(RetentionPreset preset)
    {
        ArgumentNullException.ThrowIfNull(preset);
        return new RetentionPolicy { Framework = preset.Framework, Days = new Dictionary<string, int>(preset.Days, StringComparer.Ordinal) };
    }

    /// <summary>What is wrong with a policy, in words (empty when valid): known framework, every class set, 1 to 36500 days, not below the framework's floor.</summary>
    public static IReadOnlyList<string> Validate(string framework, IReadOnlyDictionary<string, int> days)
    {
        ArgumentNullException.ThrowIfNull(days);
        var errors = new List<string>();
        var preset = Find(framework);
        if (preset is null)
        {
            errors.Add($"framework '{framework}' is not one of {string.Join(", ", All.Select(p => p.Framework))}");
            return errors;
        }

        foreach (var key in days.Keys.Where(k => !DataClasses.All.Contains(k, StringComparer.Ordinal)))
        {
            errors.Add($"'{key}' is not a data class ({string.Join(", ", DataClasses.All)})");
        }

        foreach (var dataClass in DataClasses.All)
        {
            if (!days.TryGetValue(dataClass, out var value))
            {
                errors.Add($"{dataClass}: missing");
            }
            else if (value is < 1 or > 36_500)
            {
                errors.Add($"{dataClass}: {value} days is outside 1 to 36500");
            }
            else if (preset.MinimumDays.TryGetValue(dataClass, out var minimum) && value < minimum)
            {
                errors.Add($"{dataClass}: {preset.Title} asks for at least {minimum} days (got {value})");
            }
        }

        return errors;
    }

    private static RetentionPreset Preset(string key, string title, string basis, int operations, int decisions, int audit, int requests, (string Class, int Days)[] minimum) =>
        new(key, title, basis,
            new Dictionary<string, int>(StringComparer.Ordinal)
            {
                [DataClasses.Operations] = operations,
                [DataClasses.Decisions] = decisions,
                [DataClasses.Audit] = audit,
                [DataClasses.SubjectRequests] = requests,
            },
            minimum.ToDictionary(m => m.Class, m => m.Days, StringComparer.Ordinal));
}
