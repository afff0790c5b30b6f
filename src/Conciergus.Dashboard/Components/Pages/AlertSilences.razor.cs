using System.Globalization;
using System.Text.RegularExpressions;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Alerts;
using Microsoft.AspNetCore.Components;
using Conciergus.Core.Refusals;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// Silences with their state now (pending, active, expired), matchers, time or recurring quiet hours, author and
/// comment. Operators create them (also "silence similar" from an alert: ?alert={id} fills the matchers) and expire them.
/// </summary>
public sealed partial class AlertSilences : AlertComponentBase
{
    /// <summary>Expired silences listed at most (the newest).</summary>
    internal const int MaxExpired = 50;

    private const string LocalFormat = "yyyy-MM-ddTHH:mm";

    private static readonly (TimeSpan Span, string Title)[] Quick =
        [(TimeSpan.FromHours(1), "1h"), (TimeSpan.FromHours(2), "2h"), (TimeSpan.FromHours(8), "8h"), (TimeSpan.FromDays(1), "1d"), (TimeSpan.FromDays(7), "7d")];

    private static readonly DayOfWeek[] Week =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday];

    private IReadOnlyList<Silence> _silences = [];
    private Dictionary<string, SilenceState> _states = [];
    private IReadOnlyList<AlertInstance> _open = [];
    private SilenceForm? _form;
    private string? _error;
    private IReadOnlyDictionary<string, string[]> _fieldErrors = new Dictionary<string, string[]>();
    private bool _saving;
    private bool _prefilled;

    /// <summary>An alert id whose labels prefill a new silence ("silence similar").</summary>
    [SupplyParameterFromQuery(Name = "alert")]
    public string? Alert { get; set; }

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        base.OnParametersSet();
        if (!_prefilled && Alert is { Length: > 0 } id && Service?.GetInstance(id) is { } instance)
        {
            _prefilled = true;
            OpenForm(instance);
        }
    }

    /// <inheritdoc />
    protected override void Load(IAlertService alerts)
    {
        var all = alerts.Silences();
        _states = all.ToDictionary(s => s.Id, alerts.StateOf, StringComparer.Ordinal);
        _silences =
        [
            .. all.Where(s => _states[s.Id] != SilenceState.Expired)
                .OrderBy(s => _states[s.Id] == SilenceState.Active ? 0 : 1).ThenBy(s => s.StartsAt),
            .. all.Where(s => _states[s.Id] == SilenceState.Expired).OrderByDescending(s => s.EndsAt).Take(MaxExpired),
        ];
        _open = [.. alerts.Instances().Where(i => i.State != AlertState.Resolved)];
    }

    private SilenceState StateOf(Silence silence) => _states.GetValueOrDefault(silence.Id, SilenceState.Expired);

    private string WhenCaption(Silence silence) => StateOf(silence) switch
    {
        SilenceState.Pending => "starts " + AlertFormat.Relative(silence.StartsAt, Now),
        SilenceState.Active => "ends " + AlertFormat.Relative(silence.EndsAt, Now),
        _ => "ended " + AlertFormat.Relative(silence.EndsAt, Now),
    };

    /// <summary>Open alerts whose labels match every matcher (what the silence covers, whatever its time).</summary>
    private string MutedCount(Silence silence)
    {
        var count = _open.Count(i => silence.Matchers.All(m => Matches(m, i.Labels)));
        return count == 0 ? "–" : $"{count} open alert{(count == 1 ? "" : "s")}";
    }

    internal static bool Matches(LabelMatcher matcher, IReadOnlyDictionary<string, string> labels)
    {
        var value = labels.GetValueOrDefault(matcher.Name) ?? "";
        try
        {
            return matcher.Operator switch
            {
                MatchOperator.Equal => value == matcher.Value,
                MatchOperator.NotEqual => value != matcher.Value,
                MatchOperator.Regex => Regex.IsMatch(value, $"^(?:{matcher.Value})$", RegexOptions.None, TimeSpan.FromMilliseconds(50)),
                _ => !Regex.IsMatch(value, $"^(?:{matcher.Value})$", RegexOptions.None, TimeSpan.FromMilliseconds(50)),
            };
        }
        catch (ArgumentException)
        {
            return false; // an invalid pattern matches nothing here; the service reports it
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private string ToLocal(DateTimeOffset time) => TimeZoneInfo.ConvertTime(time, Offset).ToString(LocalFormat, CultureInfo.InvariantCulture);

    private bool TryFromLocal(string? text, out DateTimeOffset value)
    {
        value = default;
        if (!DateTime.TryParseExact(text, [LocalFormat, "yyyy-MM-ddTHH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return false;
        }

        // The wall-clock time in the browser's zone, with the offset in force on that date (daylight saving included).
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        value = new DateTimeOffset(unspecified, Offset.GetUtcOffset(unspecified));
        return true;
    }

    private void OpenForm(AlertInstance? similar)
    {
        var now = Now;
        _error = null;
        _fieldErrors = new Dictionary<string, string[]>();
        _form = new SilenceForm
        {
            Starts = ToLocal(now),
            Ends = ToLocal(now + TimeSpan.FromHours(2)),
            RecursUntil = ToLocal(now + TimeSpan.FromDays(90)),
        };
        if (similar is not null)
        {
            foreach (var (name, value) in similar.Labels.Where(l => l.Key != "severity").OrderBy(l => l.Key == "alertname" ? 0 : 1).ThenBy(l => l.Key, StringComparer.Ordinal))
            {
                _form.Matchers.Add(new MatcherForm { Name = name, Value = value });
            }

            _form.Comment = $"Silencing {similar.RuleName}";
        }

        if (_form.Matchers.Count == 0)
        {
            _form.Matchers.Add(new MatcherForm());
        }
    }

    private void CloseForm()
    {
        _form = null;
        _error = null;
        _fieldErrors = new Dictionary<string, string[]>();
    }

    private void Extend(SilenceForm form, TimeSpan span)
    {
        var start = TryFromLocal(form.Starts, out var s) ? s : Now;
        form.Ends = ToLocal(start + span);
    }

    private static void ToggleDay(SilenceForm form, DayOfWeek day, bool on)
    {
        if (on)
        {
            form.Days.Add(day);
        }
        else
        {
            form.Days.Remove(day);
        }
    }

    /// <summary>The silence, or the reasons the form cannot make one.</summary>
    private (Silence? Silence, Dictionary<string, string[]> Errors) Build(SilenceForm form, string author)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var matchers = form.Matchers.Where(m => !string.IsNullOrWhiteSpace(m.Name)).Select(m => new LabelMatcher(m.Name!.Trim(), m.Operator, m.Value?.Trim() ?? "")).ToList();
        if (matchers.Count == 0)
        {
            errors["matchers"] = ["Add at least one matcher with a label name."];
        }

        if (string.IsNullOrWhiteSpace(form.Comment))
        {
            errors["comment"] = ["Say why (the comment is required)."];
        }

        var starts = Now;
        if (!form.Recurring && !TryFromLocal(form.Starts, out starts))
        {
            errors["startsAt"] = ["Pick a start time."];
        }

        if (!TryFromLocal(form.Recurring ? form.RecursUntil : form.Ends, out var ends))
        {
            errors["endsAt"] = ["Pick an end time."];
        }
        else if (ends <= starts)
        {
            errors["endsAt"] = ["The end must be after the start."];
        }

        QuietHours? quiet = null;
        if (form.Recurring)
        {
            var ok = true;
            if (form.Days.Count == 0)
            {
                errors["quietHours.days"] = ["Pick at least one day."];
                ok = false;
            }

            if (!TimeOnly.TryParseExact(form.QuietStart, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from)
                || !TimeOnly.TryParseExact(form.QuietEnd, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var until))
            {
                errors["quietHours.time"] = ["Times are HH:mm, for example 22:00 and 06:00."];
                ok = false;
                from = until = default;
            }

            var zone = string.IsNullOrWhiteSpace(form.TimeZone) ? "UTC" : form.TimeZone.Trim();
            if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
            {
                errors["quietHours.timeZone"] = [$"Unknown time zone '{zone}'."];
                ok = false;
            }

            if (ok)
            {
                quiet = new QuietHours([.. Week.Where(form.Days.Contains)], from, until, zone);
            }
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new Silence
        {
            Id = "",
            Matchers = matchers,
            StartsAt = starts,
            EndsAt = ends,
            CreatedBy = author,
            Comment = form.Comment!.Trim(),
            QuietHours = quiet,
        }, errors);
    }

    private async Task CreateAsync()
    {
        if (Service is null || _form is null)
        {
            return;
        }

        _saving = true;
        try
        {
            var actor = await ActorAsync();
            var (silence, errors) = Build(_form, actor.Name);
            if (silence is null)
            {
                _error = "Fix the silence:";
                _fieldErrors = errors;
                return;
            }

            await Service.CreateSilenceAsync(silence, actor);
            CloseForm();
            Reload();
        }
        catch (RefusalException e)
        {
            _error = e.Message;
            _fieldErrors = e.Errors;
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task ExpireAsync(Silence silence)
    {
        if (Service is null)
        {
            return;
        }

        _error = null;
        _fieldErrors = new Dictionary<string, string[]>();
        try
        {
            await Service.ExpireSilenceAsync(silence.Id, await ActorAsync());
            Reload();
        }
        catch (RefusalException e)
        {
            _error = e.Message;
            _fieldErrors = e.Errors;
        }
    }

    /// <summary>Editable state of the new-silence form.</summary>
    internal sealed class SilenceForm
    {
        public List<MatcherForm> Matchers { get; } = [];

        public bool Recurring { get; set; }

        public string? Starts { get; set; }

        public string? Ends { get; set; }

        public string? RecursUntil { get; set; }

        public HashSet<DayOfWeek> Days { get; } = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

        public string? QuietStart { get; set; } = "22:00";

        public string? QuietEnd { get; set; } = "06:00";

        public string? TimeZone { get; set; } = "UTC";

        public string? Comment { get; set; }
    }

    /// <summary>One matcher row.</summary>
    internal sealed class MatcherForm
    {
        public string? Name { get; set; }

        public MatchOperator Operator { get; set; } = MatchOperator.Equal;

        public string? Value { get; set; }
    }
}
