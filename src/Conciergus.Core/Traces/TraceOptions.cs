using Microsoft.Extensions.Options;

namespace Conciergus.Core.Traces;

/// <summary>Bounds of the in-memory trace store (<c>Conciergus:Traces</c>).</summary>
public sealed class TraceOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Conciergus:Traces";

    /// <summary>Most traces kept; the trace updated longest ago is evicted first.</summary>
    public int MaxTraces { get; set; } = 2000;

    /// <summary>Most spans kept per trace; later new spans of a full trace are dropped (and counted).</summary>
    public int MaxSpansPerTrace { get; set; } = 1000;

    /// <summary>Most spans kept over all traces: the real memory bound (oldest traces are evicted to stay under it).</summary>
    public int MaxTotalSpans { get; set; } = 200_000;
}

/// <summary>Checks <see cref="TraceOptions"/> at start and says in words what is wrong.</summary>
public sealed class TraceOptionsValidator : IValidateOptions<TraceOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TraceOptions options)
    {
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every problem with the options (empty when they are valid).</summary>
    public static IReadOnlyList<string> Check(TraceOptions? options)
    {
        const string Section = TraceOptions.SectionName;
        if (options is null)
        {
            return [$"{Section} is missing."];
        }

        var failures = new List<string>();
        if (options.MaxTraces is < 1 or > 1_000_000)
        {
            failures.Add($"{Section}:MaxTraces must be between 1 and 1000000 (it is {options.MaxTraces}).");
        }

        if (options.MaxSpansPerTrace is < 1 or > 100_000)
        {
            failures.Add($"{Section}:MaxSpansPerTrace must be between 1 and 100000 (it is {options.MaxSpansPerTrace}).");
        }

        if (options.MaxTotalSpans is < 1 or > 50_000_000)
        {
            failures.Add($"{Section}:MaxTotalSpans must be between 1 and 50000000 (it is {options.MaxTotalSpans}).");
        }
        else if (options.MaxTotalSpans < options.MaxSpansPerTrace)
        {
            failures.Add($"{Section}:MaxTotalSpans ({options.MaxTotalSpans}) must be at least MaxSpansPerTrace ({options.MaxSpansPerTrace}), or a full trace could never be kept.");
        }

        return failures;
    }
}
