using Conciergus.Core.Analytics;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>GET /api/v1/summary, /models, /costs, /timeseries, /errors.</summary>
public static class ReadApiEndpoints
{
    private const string DefaultWindow = "1h";

    private static readonly Dictionary<string, CostGroupBy> CostGroups = Enum.GetValues<CostGroupBy>()
        .ToDictionary(AnalyticsService.ToWireName, g => g, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, TimeSeriesMetric> Metrics = Enum.GetValues<TimeSeriesMetric>()
        .ToDictionary(AnalyticsService.ToWireName, m => m, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, SeriesDimension> SeriesGroups = new(StringComparer.OrdinalIgnoreCase)
    {
        ["model"] = SeriesDimension.Model,
        ["provider"] = SeriesDimension.Provider,
        ["operation"] = SeriesDimension.Operation,
        ["application"] = SeriesDimension.Application,
        ["error_category"] = SeriesDimension.ErrorCategory,
        ["environment"] = SeriesDimension.Environment,
        ["function"] = SeriesDimension.FunctionId,
        ["experiment"] = SeriesDimension.ExperimentVariant,
    };

    /// <summary>Maps the read endpoints (Viewer or higher, enforced centrally by the security feature).</summary>
    public static IEndpointRouteBuilder MapReadApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1");
        api.MapGet("/summary", (string? window, AnalyticsService analytics) =>
            WithWindow(window, w => Results.Ok(analytics.Summary(w))));
        api.MapGet("/models", (string? window, AnalyticsService analytics) =>
            WithWindow(window, w => Results.Ok(new { models = analytics.Models(w) })));
        api.MapGet("/costs", (string? window, string? groupBy, AnalyticsService analytics) =>
            WithWindow(window, w =>
            {
                if (!CostGroups.TryGetValue(groupBy ?? "model", out var group))
                {
                    return BadParameter("groupBy", groupBy, CostGroups.Keys);
                }

                return Results.Ok(analytics.Costs(w, group));
            }));
        api.MapGet("/timeseries", (string? metric, string? window, string? step, string? groupBy, AnalyticsService analytics) =>
            WithWindow(window, w =>
            {
                if (!Metrics.TryGetValue(metric ?? "requests", out var m))
                {
                    return BadParameter("metric", metric, Metrics.Keys);
                }

                SeriesDimension? dimension = null;
                if (!string.IsNullOrEmpty(groupBy))
                {
                    if (!SeriesGroups.TryGetValue(groupBy, out var d))
                    {
                        return BadParameter("groupBy", groupBy, SeriesGroups.Keys);
                    }

                    dimension = d;
                }

                TimeSpan? stepSpan = null;
                if (!string.IsNullOrEmpty(step))
                {
                    if (!TimeWindow.TryParse(step, out var s, out var stepError))
                    {
                        return Problem400("step", stepError!);
                    }

                    stepSpan = s;
                }

                return analytics.StepError(w, stepSpan) is { } stepProblem
                    ? Problem400("step", stepProblem)
                    : Results.Ok(analytics.TimeSeries(m, w, stepSpan, dimension));
            }));
        api.MapGet("/errors", (string? window, AnalyticsService analytics) =>
            WithWindow(window, w => Results.Ok(analytics.Errors(w))));
        return app;
    }

    private static IResult WithWindow(string? window, Func<TimeSpan, IResult> query) =>
        TimeWindow.TryParseWindow(window ?? DefaultWindow, out var w, out var error)
            ? query(w)
            : Problem400("window", error!);

    private static IResult BadParameter(string name, string? value, IEnumerable<string> allowed) =>
        Problem400(name, $"'{value}' is not allowed; use one of: {string.Join(", ", allowed)}");

    private static IResult Problem400(string parameter, string message) => Results.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: $"Invalid parameter '{parameter}'",
        detail: message);
}
