using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Demo;

/// <summary>The built-in traffic simulator ("Conciergus:Demo").</summary>
public sealed class DemoOptions
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Conciergus:Demo";

    /// <summary>Whether the simulator runs (read once at startup). Off unless configured.</summary>
    public bool Enabled { get; set; }

    /// <summary>Average operations per second, bursts included.</summary>
    public double RequestsPerSecond { get; set; } = 4;

    /// <summary>Upper bound on simulated calls in flight; arrivals beyond it are skipped.</summary>
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>Seed for a reproducible run; null seeds from the clock.</summary>
    public int? Seed { get; set; }

    /// <summary>
    /// Seeds one of each feature at work once per data folder (a running experiment, a receiver into the in-app demo
    /// inbox, a budget, a scheduled silence; see <see cref="DemoSeedService"/>). Only with <see cref="Enabled"/>.
    /// </summary>
    public bool SeedExamples { get; set; } = true;

    /// <summary>A model that fails in cycles (circuits and fallbacks in action; needs AddConciergusResilience).</summary>
    public DemoFailingProviderOptions FailingProvider { get; set; } = new();
}

/// <summary>Says in words what is wrong with <see cref="DemoOptions"/>.</summary>
internal sealed class DemoOptionsValidator : IValidateOptions<DemoOptions>
{
    public ValidateOptionsResult Validate(string? name, DemoOptions options)
    {
        var failures = new List<string>();
        if (!(options.RequestsPerSecond > 0 && options.RequestsPerSecond <= 1000))
        {
            failures.Add($"Conciergus:Demo:RequestsPerSecond must be greater than 0 and at most 1000 (was {options.RequestsPerSecond}).");
        }

        if (options.MaxConcurrency is < 1 or > 10_000)
        {
            failures.Add($"Conciergus:Demo:MaxConcurrency must be between 1 and 10000 (was {options.MaxConcurrency}).");
        }

        if (options.FailingProvider is { Enabled: true } failing
            && (failing.HealthyFor < TimeSpan.Zero || failing.FailingFor <= TimeSpan.Zero || !DemoModelProfile.Catalog.Any(p => p.Model == failing.Model)))
        {
            failures.Add("Conciergus:Demo:FailingProvider needs a demo model (gpt-4o, claude-sonnet-4-5, ...), HealthyFor >= 0 and FailingFor > 0.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
