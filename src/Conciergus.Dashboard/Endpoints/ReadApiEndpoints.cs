using System.Globalization;
using Conciergus.Core.Analytics;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// GET /api/v1/summary, /models, /costs, /timeseries, /errors. Each takes its own parameters and the filters
/// (<see cref="OperationFilter"/>: AND across fields, a comma inside a value means OR); any other parameter is a 400
/// that lists the valid ones. A slice the store must answer while it cannot is a 503 that says why.
/// </summary>
public static class ReadApiEndpoints
{
    private const string DefaultWindow = "1h";

    private static readonly Dictionary<string, TimeSeriesMetric> Metrics = Enum.GetValues<TimeSeriesMetric>()
        .ToDictionary(AnalyticsService.ToWireName, m => m, StringComparer.OrdinalIgnoreCase);

    private static readonly string[] SummaryParameters = ["window"];
    private static readonly string[] CostParameters = ["window", "groupBy", "limit"];

    /// <summary>Groups a cost breakdown returns when the request names no <c>limit</c> (its totals still cover every group).</summary>
    internal const int DefaultCostGroups = 1000;

    /// <summary>The largest <c>limit</c> of a cost breakdown.</summary>
    internal const int MaxCostGroups = 100_000;
    private static readonly string[] TimeSeriesParameters = ["metric", "window", "step", "groupBy"];

    /// <summary>Maps the read endpoints (Viewer or higher, enforced centrally by the security feature).</summary>
    public static IEndpointRouteBuilder MapReadApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1");
        api.MapGet("/summary", (HttpRequest request, AnalyticsService analytics, CancellationToken ct) =>
            Read(request, "/summary", SummaryParameters, async (w, filter) => Results.Ok(await analytics.SummaryAsync(w, filter, ct))));
        api.MapGet("/models", (HttpRequest request, AnalyticsService analytics, CancellationToken ct) =>
            Read(request, "/models", SummaryParameters, async (w, filter) => Results.Ok(new { models = await analytics.ModelsAsync(w, filter, ct) })));
        api.MapGet("/costs", (HttpRequest request, AnalyticsService analytics, CancellationToken ct) =>
            Read(request, "/costs", CostParameters, async (w, filter) =>
            {
                var groupBy = Single(request, "groupBy") ?? "model";
                if (!AnalyticsService.TryNormalizeGroupBy(groupBy, out var group))
                {
                    return BadParameter("groupBy", groupBy, AnalyticsService.GroupByNames.Append("metadata.<key>"));
                }

                var limit = DefaultCostGroups;
                if (Single(request, "limit") is { } l
                    && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxCostGroups))
                {
                    return EndpointInput.Problem400("limit", $"'{l}' is not allowed; use a whole number from 1 to {MaxCostGroups}");
                }

                return Results.Ok((await analytics.CostsAsync(w, group, filter, ct)).Top(limit));
            }));
        api.MapGet("/timeseries", (HttpRequest request, AnalyticsService analytics, CancellationToken ct) =>
            Read(request, "/timeseries", TimeSeriesParameters, async (w, filter) =>
            {
                var metric = Single(request, "metric");
                if (metric is not null && metric.StartsWith(Conciergus.Core.AppMetrics.OtelMetricStore.MetricPrefix, StringComparison.OrdinalIgnoreCase))
                {
                    return AppMetricsEndpoints.TimeSeries(request, metric, w, filter, Single(request, "groupBy"), Single(request, "step"));
                }

                if (!Metrics.TryGetValue(metric ?? "requests", out var m))
                {
                    return BadParameter("metric", metric, Metrics.Keys);
                }

                string? group = null;
                var groupBy = Single(request, "groupBy");
                if (!string.IsNullOrEmpty(groupBy) && (!AnalyticsService.TryNormalizeGroupBy(groupBy, out var g) || g == "day"))
                {
                    return BadParameter("groupBy", groupBy, AnalyticsService.GroupByNames.Where(n => n != "day").Append("error_category").Append("metadata.<key>"));
                }
                else if (!string.IsNullOrEmpty(groupBy))
                {
                    AnalyticsService.TryNormalizeGroupBy(groupBy, out group);
                }

                TimeSpan? stepSpan = null;
                var step = Single(request, "step");
                if (!string.IsNullOrEmpty(step))
                {
                    if (!TimeWindow.TryParse(step, out var s, out var stepError))
                    {
                        return EndpointInput.Problem400("step", stepError!);
                    }

                    stepSpan = s;
                }

                return analytics.StepError(w, stepSpan) is { } stepProblem
                    ? EndpointInput.Problem400("step", stepProblem)
                    : Results.Ok(await analytics.TimeSeriesAsync(m, w, stepSpan, group, filter, ct));
            }));
        api.MapGet("/errors", (HttpRequest request, AnalyticsService analytics, CancellationToken ct) =>
            Read(request, "/errors", SummaryParameters, async (w, filter) => Results.Ok(await analytics.ErrorsAsync(w, filter, ct))));
        api.MapAppMetricsApi();
        return app;
    }

    /// <summary>
    /// Parses the filters of <paramref name="request"/> (every parameter not in <paramref name="parameters"/>); on an
    /// unknown name, a 400 listing the endpoint's parameters and the filter names.
    /// </summary>
    internal static bool TryParseFilter(HttpRequest request, string path, IReadOnlyCollection<string> parameters, out OperationFilter filter, out IResult? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        var notFilters = new HashSet<string>(parameters, StringComparer.OrdinalIgnoreCase);
        var query = request.Query.Select(p => new KeyValuePair<string, IReadOnlyList<string?>>(p.Key, p.Value.ToArray()));
        if (OperationFilter.TryParse(query, notFilters, out filter, out var error))
        {
            problem = null;
            return true;
        }

        var unknown = request.Query.Keys.FirstOrDefault(k => !notFilters.Contains(k) && !FilterFields.TryNormalize(k, out _));
        var valid = parameters.Concat(FilterFields.All).Append("metadata.<key>").ToArray();
        problem = unknown is not null
            ? Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: $"Unknown parameter '{unknown}'",
                detail: $"'{unknown}' is not a parameter of {path}; use one of: {string.Join(", ", valid)}. Filters combine with AND; a comma inside a value means OR (model=gpt-4o,gpt-4o-mini).",
                extensions: new Dictionary<string, object?> { ["validParameters"] = valid })
            : EndpointInput.Problem400(BadFilterName(request, notFilters) ?? "filter", error!);
        return false;
    }

    private static string? BadFilterName(HttpRequest request, HashSet<string> notFilters) =>
        request.Query.FirstOrDefault(p => !notFilters.Contains(p.Key)
            && !OperationFilter.TryParse([new KeyValuePair<string, IReadOnlyList<string?>>(p.Key, p.Value.ToArray())], notFilters, out _, out _)).Key;

    /// <summary>Answers a slice the store cannot serve now with 503 and the reason.</summary>
    internal static IResult Unavailable(SliceUnavailableException exception) => Results.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "Slice unavailable",
        detail: exception.Message);

    private static async Task<IResult> Read(HttpRequest request, string path, IReadOnlyCollection<string> parameters, Func<TimeSpan, OperationFilter, Task<IResult>> query)
    {
        if (!TryParseFilter(request, path, parameters, out var filter, out var problem))
        {
            return problem!;
        }

        var window = Single(request, "window");
        if (!TimeWindow.TryParseWindow(window ?? DefaultWindow, out var w, out var error))
        {
            return EndpointInput.Problem400("window", error!);
        }

        try
        {
            return await query(w, filter);
        }
        catch (SliceUnavailableException ex)
        {
            return Unavailable(ex);
        }
    }

    /// <summary>The value of a parameter, matched without regard to case (as model binding did).</summary>
    private static string? Single(HttpRequest request, string name) =>
        request.Query.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value is { Count: > 0 } v ? v.ToString() : null;

    private static ProblemHttpResult BadParameter(string name, string? value, IEnumerable<string> allowed) =>
        EndpointInput.Problem400(name, $"'{value}' is not allowed; use one of: {string.Join(", ", allowed)}");
}
