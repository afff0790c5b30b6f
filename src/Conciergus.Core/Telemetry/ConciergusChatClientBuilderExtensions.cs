using Conciergus.Core.Collector;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Pricing;

using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Core.Telemetry;

/// <summary>Adds the Conciergus middleware to Microsoft.Extensions.AI pipelines.</summary>
public static class ConciergusChatClientBuilderExtensions
{
    private const string MissingRecorder =
        "No IAiOperationRecorder is registered in the service provider the pipeline is built with. " +
        "Call services.AddConciergus...() (the Conciergus collector registration) or register an IAiOperationRecorder, " +
        "and build the client with builder.Build(serviceProvider).";

    /// <summary>
    /// Records every chat call as an <see cref="AiOperation"/>. Resolves <see cref="IAiOperationRecorder"/>
    /// (required), <see cref="IErrorCategorizer"/>, <see cref="TimeProvider"/>, <see cref="IChatRequestInterceptor"/> and
    /// <see cref="ICostCalculator"/> (optional: with it the call is priced as its record is built) from the services given to <c>Build</c>.
    /// </summary>
    public static ChatClientBuilder UseConciergus(this ChatClientBuilder builder, Action<ConciergusMiddlewareOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = Configure(configure);
        return builder.Use((inner, services) => new ConciergusChatClient(
            inner,
            services.GetService<IAiOperationRecorder>() ?? throw new InvalidOperationException(MissingRecorder),
            options,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<IErrorCategorizer>(),
            services.GetService<IChatRequestInterceptor>(),
            services.GetService<ICostCalculator>()));
    }

    /// <summary>
    /// Records every embedding call as an <see cref="AiOperation"/>. Resolves <see cref="IAiOperationRecorder"/>
    /// (required), <see cref="IErrorCategorizer"/> and <see cref="TimeProvider"/> (optional) from the services
    /// given to <c>Build</c>.
    /// </summary>
    public static EmbeddingGeneratorBuilder<TInput, TEmbedding> UseConciergus<TInput, TEmbedding>(
        this EmbeddingGeneratorBuilder<TInput, TEmbedding> builder,
        Action<ConciergusMiddlewareOptions>? configure = null)
        where TEmbedding : Embedding
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = Configure(configure);
        return builder.Use((inner, services) => new ConciergusEmbeddingGenerator<TInput, TEmbedding>(
            inner,
            services.GetService<IAiOperationRecorder>() ?? throw new InvalidOperationException(MissingRecorder),
            options,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<IErrorCategorizer>(),
            services.GetService<ICostCalculator>()));
    }

    private static ConciergusMiddlewareOptions Configure(Action<ConciergusMiddlewareOptions>? configure)
    {
        var options = new ConciergusMiddlewareOptions();
        configure?.Invoke(options);
        return options;
    }
}
