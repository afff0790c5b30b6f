using Conciergus.Core.Resilience;
using Conciergus.Core.Telemetry;

using Microsoft.Extensions.AI;

namespace Conciergus.Dashboard.Demo;

/// <summary>Builds the demo's chat clients: each model through <c>UseConciergus()</c>, and, when resilience is registered, a resilient router in front.</summary>
internal static class DemoClients
{
    /// <summary>
    /// One client per catalog model. Without a <see cref="CircuitRegistry"/> in <paramref name="services"/>: the
    /// model's demo client behind <c>UseConciergus()</c>. With one: <c>UseConciergusResilience()</c> in front of a
    /// router over all of them, so retries and fallbacks (Conciergus:Resilience:Fallbacks) reach other models.
    /// </summary>
    public static Dictionary<string, IChatClient> Build(
        IServiceProvider services,
        TimeProvider timeProvider,
        Random random,
        DemoFailingProviderOptions failing,
        Action<ConciergusMiddlewareOptions> tag)
    {
        var recorded = DemoModelProfile.Catalog.ToDictionary(
            p => p.Model,
            p =>
            {
                IChatClient model = new DemoChatClient(p.Provider, p.Model, timeProvider, new Random(random.Next()), p);
                if (failing.Enabled && string.Equals(failing.Model, p.Model, StringComparison.Ordinal))
                {
                    model = new DemoFailingChatClient(model, failing, timeProvider);
                }

                return new ChatClientBuilder(model).UseConciergus(tag).Build(services);
            },
            StringComparer.Ordinal);
        if (services.GetService<CircuitRegistry>() is null)
        {
            return recorded;
        }

        return DemoModelProfile.Catalog.ToDictionary(
            p => p.Model,
            p => new ChatClientBuilder(new DemoModelRouter(p.Provider, p.Model, recorded)).UseConciergusResilience(tag).Build(services),
            StringComparer.Ordinal);
    }
}
