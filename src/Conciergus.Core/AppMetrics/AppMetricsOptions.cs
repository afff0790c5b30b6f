using Microsoft.Extensions.Options;

namespace Conciergus.Core.AppMetrics;

/// <summary>Limits of the application metrics kept from OTLP <c>/v1/metrics</c> (section <c>Conciergus:AppMetrics</c>).</summary>
public sealed class AppMetricsOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Conciergus:AppMetrics";

    /// <summary>Distinct instrument names kept; points of further names are dropped and counted.</summary>
    public int MaxMetrics { get; set; } = 300;

    /// <summary>Distinct <c>service.name</c> values per instrument; further services go to the <c>__overflow__</c> service.</summary>
    public int MaxServicesPerMetric { get; set; } = 200;

    /// <summary>Distinct attribute sets per instrument and service; further sets go to the <c>__overflow__</c> set.</summary>
    public int MaxAttributeSetsPerService { get; set; } = 64;

    /// <summary>Series in all (each holds one ring per cache resolution); further series are dropped and counted.</summary>
    public int MaxSeries { get; set; } = 2000;

    /// <summary>Attributes kept per data point (the first ones by key order); an attribute value is cut at 256 characters.</summary>
    public int MaxAttributesPerPoint { get; set; } = 16;
}

/// <summary>Says in words what is wrong with <see cref="AppMetricsOptions"/>.</summary>
public sealed class AppMetricsOptionsValidator : IValidateOptions<AppMetricsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AppMetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Positive(errors, nameof(options.MaxMetrics), options.MaxMetrics);
        Positive(errors, nameof(options.MaxServicesPerMetric), options.MaxServicesPerMetric);
        Positive(errors, nameof(options.MaxAttributeSetsPerService), options.MaxAttributeSetsPerService);
        Positive(errors, nameof(options.MaxSeries), options.MaxSeries);
        Positive(errors, nameof(options.MaxAttributesPerPoint), options.MaxAttributesPerPoint);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, string name, int value)
    {
        if (value < 1)
        {
            errors.Add($"{AppMetricsOptions.SectionName}:{name} must be at least 1 (got {value}).");
        }
    }
}
