using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Alerts;

/// <summary>Drives the real app's evaluator: advance the fake clock by one interval and wait for that evaluation.</summary>
internal static class AlertAppDriver
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>One evaluator tick (the hosted evaluator's PeriodicTimer runs on the app's fake clock).</summary>
    public static async Task TickAsync(this ConciergusAppFactory factory)
    {
        var service = factory.Services.GetRequiredService<AlertService>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnEvaluated(AlertEvaluatorStatus _) => done.TrySetResult();
        service.Evaluated += OnEvaluated;
        try
        {
            factory.Time.Advance(Interval);
            await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            service.Evaluated -= OnEvaluated;
        }
    }

    /// <summary>Ticks until the app clock reaches <paramref name="at"/>.</summary>
    public static async Task TickUntilAsync(this ConciergusAppFactory factory, DateTimeOffset at)
    {
        while (factory.Time.GetUtcNow() < at)
        {
            await factory.TickAsync();
        }
    }

    /// <summary>Ingests one successful call that ended at <paramref name="at"/> through POST /api/v1/operations.</summary>
    public static async Task IngestAsync(this ConciergusAppFactory factory, DateTimeOffset at, string model = "gpt-4o", string status = "ok")
    {
        using var client = factory.CreateIngestionClient();
        var response = await client.PostAsJsonAsync("/api/v1/operations", new
        {
            operations = new[] { new { model, provider = "openai", durationMs = 0, status, timestamp = at } },
        });
        response.EnsureSuccessStatusCode();
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();
}
