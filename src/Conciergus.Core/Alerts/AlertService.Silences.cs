using Conciergus.Core.Refusals;
using Conciergus.Core.Audit;
namespace Conciergus.Core.Alerts;

public sealed partial class AlertService
{
    /// <inheritdoc />
    public IReadOnlyList<Silence> Silences()
    {
        var now = _time.GetUtcNow();
        lock (_sync)
        {
            return [.. _silences.Values.OrderBy(s => StateAt(s, now)).ThenByDescending(s => s.StartsAt).ThenBy(s => s.Id, StringComparer.Ordinal)];
        }
    }

    /// <inheritdoc />
    public SilenceState StateOf(Silence silence) => StateAt(silence, _time.GetUtcNow());

    /// <summary>State of a silence at an instant.</summary>
    public static SilenceState StateAt(Silence silence, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(silence);
        return at < silence.StartsAt ? SilenceState.Pending : at >= silence.EndsAt ? SilenceState.Expired : SilenceState.Active;
    }

    /// <summary>Whether the silence mutes the label set at <paramref name="at"/> (active, matching, and inside its quiet hours if any).</summary>
    public static bool Mutes(Silence silence, IReadOnlyDictionary<string, string> labels, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(silence);
        return StateAt(silence, at) == SilenceState.Active
            && AlertLabels.MatchesAll(silence.Matchers, labels)
            && (silence.QuietHours is null || AlertLabels.InQuietHours(silence.QuietHours, at));
    }

    /// <summary>Field -> problems of a silence (empty when valid).</summary>
    public static IReadOnlyDictionary<string, string[]> ValidateSilence(Silence silence)
    {
        ArgumentNullException.ThrowIfNull(silence);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        if (silence.Matchers is null || silence.Matchers.Count == 0)
        {
            Add("matchers", "A silence needs at least one matcher (for example alertname=\"High error rate\").");
        }
        else
        {
            foreach (var matcher in silence.Matchers)
            {
                if (AlertLabels.CheckMatcher(matcher) is { } problem)
                {
                    Add("matchers", problem);
                }
            }

            // Alertmanager refuses silences that match every alert (all matchers match the empty string).
            if (errors.Count == 0 && silence.Matchers.All(m => AlertLabels.Matches(m, new Dictionary<string, string>())))
            {
                Add("matchers", "These matchers match every alert (each matches an empty label); add one that needs a value, such as alertname=\"...\".");
            }
        }

        if (silence.EndsAt <= silence.StartsAt)
        {
            Add("endsAt", "endsAt must be after startsAt.");
        }

        if (string.IsNullOrWhiteSpace(silence.CreatedBy))
        {
            Add("createdBy", "A silence needs an author.");
        }

        if (string.IsNullOrWhiteSpace(silence.Comment))
        {
            Add("comment", "Say why in a comment.");
        }

        if (silence.QuietHours is { } q)
        {
            if (q.Days is null || q.Days.Count == 0)
            {
                Add("quietHours.days", "Quiet hours need at least one day of the week.");
            }

            try
            {
                _ = TimeZoneInfo.FindSystemTimeZoneById(q.TimeZone);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
            {
                Add("quietHours.timeZone", $"Unknown time zone '{q.TimeZone}'; use an IANA id such as Europe/Berlin or UTC.");
            }
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public async Task<Silence> CreateSilenceAsync(Silence silence, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(silence);
        ArgumentNullException.ThrowIfNull(actor);
        var created = silence with { Id = string.IsNullOrWhiteSpace(silence.Id) ? Guid.NewGuid().ToString() : silence.Id.Trim() };
        ThrowIfInvalid(created);
        List<AlertInstance> changed;
        lock (_sync)
        {
            if (_silences.ContainsKey(created.Id))
            {
                throw new RefusalException(RefusalKind.Conflict, $"A silence with id '{created.Id}' exists already.");
            }
        }

        // The silence and its audit entry commit together or not at all; memory follows the commit.
        await AuditedWriteAsync("silence.create", created.Id, actor, SilenceDetails(created), () => _store.SaveSilence(created), cancellationToken).ConfigureAwait(false);
        lock (_sync)
        {
            _silences[created.Id] = created;
            changed = ReapplySilences();
        }

        Bump(changed);
        return created;
    }

    /// <inheritdoc />
    public async Task<Silence> UpdateSilenceAsync(string id, Silence silence, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(silence);
        ArgumentNullException.ThrowIfNull(actor);
        var updated = silence with { Id = id };
        ThrowIfInvalid(updated);
        List<AlertInstance> changed;
        lock (_sync)
        {
            var current = _silences.GetValueOrDefault(id) ?? throw new RefusalException(RefusalKind.NotFound, $"No silence '{id}'.");
            if (StateAt(current, _time.GetUtcNow()) == SilenceState.Expired)
            {
                throw new RefusalException(RefusalKind.Conflict, $"Silence '{id}' has expired; create a new one.");
            }
        }

        await AuditedWriteAsync("silence.update", id, actor, SilenceDetails(updated), () => _store.SaveSilence(updated), cancellationToken).ConfigureAwait(false);
        lock (_sync)
        {
            _silences[id] = updated;
            changed = ReapplySilences();
        }

        Bump(changed);
        return updated;
    }

    /// <inheritdoc />
    public async Task ExpireSilenceAsync(string id, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        Silence expired;
        List<AlertInstance> changed;
        lock (_sync)
        {
            var current = _silences.GetValueOrDefault(id) ?? throw new RefusalException(RefusalKind.NotFound, $"No silence '{id}'.");
            var now = _time.GetUtcNow();
            if (StateAt(current, now) == SilenceState.Expired)
            {
                throw new RefusalException(RefusalKind.Conflict, $"Silence '{id}' has already expired.");
            }

            // A pending silence ends before it starts: both ends move to now.
            expired = current with { EndsAt = now, StartsAt = current.StartsAt > now ? now : current.StartsAt };
        }

        await AuditedWriteAsync("silence.expire", id, actor, SilenceDetails(expired), () => _store.SaveSilence(expired), cancellationToken).ConfigureAwait(false);
        lock (_sync)
        {
            _silences[id] = expired;
            changed = ReapplySilences();
        }

        Bump(changed);
    }

    private bool IsSilenced(IReadOnlyDictionary<string, string> labels, DateTimeOffset now) =>
        _silences.Values.Any(s => Mutes(s, labels, now));

    private List<AlertInstance> ReapplySilences()
    {
        var changed = new HashSet<InstanceState>();
        UpdateSilenced(_time.GetUtcNow(), changed);
        foreach (var state in changed)
        {
            _store.SaveInstance(state);
        }

        return [.. changed.Select(s => s.Instance)];
    }

    private static void ThrowIfInvalid(Silence silence)
    {
        var errors = ValidateSilence(silence);
        if (errors.Count > 0)
        {
            throw new RefusalException(RefusalKind.Invalid, "The silence is not valid: " + string.Join(" ", errors.SelectMany(e => e.Value)), errors);
        }
    }

    private static Dictionary<string, string> SilenceDetails(Silence silence) => new()
    {
        ["matchers"] = string.Join(",", silence.Matchers.Select(m => m.Name + AlertWire.Symbol(m.Operator) + "\"" + m.Value + "\"")),
        ["startsAt"] = silence.StartsAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["endsAt"] = silence.EndsAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["comment"] = silence.Comment,
        ["quietHours"] = silence.QuietHours is null ? "no" : "yes",
    };
}
