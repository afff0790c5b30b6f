using Conciergus.Core.Alerts;
using Conciergus.Core.AppMetrics;
using Conciergus.Core.Alerts.Channels;
using Conciergus.Core.Analytics;
using Conciergus.Core.Audit;
using Conciergus.Core.Collector;
using Conciergus.Core.Compliance;
using Conciergus.Core.Errors;
using Conciergus.Core.Experiments;
using Conciergus.Core.Health;
using Conciergus.Core.History;
using Conciergus.Core.Ingestion;
using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Operations;
using Conciergus.Core.Logs;
using Conciergus.Core.Pricing;
using Conciergus.Core.Resilience;
using Conciergus.Core.Storage;
using Conciergus.Core.TimeSeries;
using Conciergus.Core.Traces;
using Conciergus.Dashboard.Components;
using Conciergus.Dashboard.Demo;
using Conciergus.Dashboard.Endpoints;
using Conciergus.Dashboard.Hubs;
using Conciergus.Dashboard.Live;
using Conciergus.Dashboard.Metrics;
using Conciergus.Dashboard.Security;
using MudBlazor.Services;

var builder = WebApplication.CreateBuilder(args);

// `--restore <backup folder>`: put a backup back into the data folder (app stopped), then exit; see README "Compliance".
if (StorageRestore.RunFromCommandLine(args, builder.Configuration, builder.Environment.ContentRootPath, Console.Out) is { } restoreExitCode)
{
    return restoreExitCode;
}

// Core features: storage, the time-series cache, pricing, errors, the collector and its read models, the audit trail.
builder.Services
    .AddConciergusStorage(builder.Configuration, builder.Environment.ContentRootPath)
    .AddConciergusTimeSeries(builder.Configuration)
    .AddConciergusPricing(builder.Configuration)
    .AddConciergusErrors()
    .AddConciergusTraces(builder.Configuration)
    .AddConciergusCollector()
    .AddConciergusOperations(builder.Configuration)
    .AddConciergusAnalytics()
    .AddConciergusOtlp(builder.Configuration)
    .AddConciergusAppMetrics(builder.Configuration)
    .AddConciergusLogs(builder.Configuration)
    .AddConciergusIngestion(builder.Configuration)
    .AddConciergusAudit(builder.Configuration)
    .AddConciergusExperiments(builder.Configuration)
    .AddConciergusAlerts(builder.Configuration)
    .AddConciergusHistory(builder.Configuration)
    .AddConciergusResilience(builder.Configuration)
    .AddConciergusAlertChannels(builder.Configuration)
    .AddConciergusCompliance(builder.Configuration);

// Dashboard features: sign-in and roles, the HTTP API, live push, demo traffic, the Blazor UI.
builder.Services
    .AddConciergusSecurity(builder.Configuration)
    .AddConciergusApi(builder.Configuration)
    .AddConciergusOtlpGrpc()
    .AddConciergusLive()
    .AddConciergusTelemetryHub(builder.Configuration)
    .AddConciergusAlertHub()
    .AddConciergusModelHealth()
    .AddConciergusPanels()
    .AddConciergusDemo(builder.Configuration)
    .AddConciergusMetrics()
    .AddConciergusSelfTelemetry(builder.Configuration)
    .AddMudServices();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();

var app = builder.Build();

// The API answers failures with problem details (no stack traces); pages show the error page.
app.UseWhen(ApiPaths.IsApi, api => api.UseExceptionHandler());
app.UseWhen(context => !ApiPaths.IsApi(context), pages =>
{
    pages.UseExceptionHandler("/Error", createScopeForErrors: true);
    pages.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
});
app.UseConciergusSecurity();
app.UseAntiforgery();

app.MapStaticAssets().AllowAnonymous();
app.MapConciergusApi();
app.MapConciergusTelemetryHub();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

// Resolve the ingestion keys now so a generated key is printed at start, not at the first request.
app.Services.GetRequiredService<IngestionKeys>();

app.Run();
return 0;

/// <summary>Entry point (public for WebApplicationFactory).</summary>
public partial class Program;
