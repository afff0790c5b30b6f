using System.Net;

using Conciergus.Core.Model;
using Conciergus.Core.Telemetry;

using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Telemetry;

public class ConciergusEmbeddingGeneratorTests
{
    [Fact]
    public async Task GenerateAsync_Success_RecordsEmbeddingsOperationWithUsageAndDimensions()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        using var generator = new EmbeddingGeneratorBuilder<string, Embedding<float>>(new ScriptedEmbeddingGenerator(time) { Latency = TimeSpan.FromMilliseconds(80) })
            .UseConciergus(o => o.Application = "rag")
            .Build(Pipelines.Services(recorder, time));
        var options = new EmbeddingGenerationOptions { AdditionalProperties = new() { [ConciergusPropertyNames.FunctionId] = "rag-search" } };

        var result = await generator.GenerateAsync(["a", "b", "c"], options);

        Assert.Equal(3, result.Count);
        var op = Assert.Single(recorder.Operations);
        Assert.Equal(AiOperationKinds.Embeddings, op.Operation);
        Assert.Equal("openai", op.Provider);
        Assert.Equal("text-embedding-3-small", op.RequestModel);
        Assert.Equal("text-embedding-3-small-v2", op.ResponseModel);
        Assert.Equal(21, op.InputTokens);
        Assert.Equal(0, op.OutputTokens);
        Assert.Equal(80, op.DurationMs);
        Assert.Equal(("rag", "rag-search"), (op.Application, op.FunctionId));
    }

    [Fact]
    public async Task GenerateAsync_InnerThrows_RethrowsAndRecordsError()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var failure = new HttpRequestException("unauthorized", null, HttpStatusCode.Unauthorized);
        using var generator = new EmbeddingGeneratorBuilder<string, Embedding<float>>(new ScriptedEmbeddingGenerator(time) { Exception = failure })
            .UseConciergus()
            .Build(Pipelines.Services(recorder, time, new TableErrorCategorizer()));

        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => generator.GenerateAsync(["a"]));

        Assert.Same(failure, thrown);
        var op = Assert.Single(recorder.Operations);
        Assert.Equal(AiOperationStatus.Error, op.Status);
        Assert.Equal(ErrorCategory.Authentication, op.ErrorCategory);
        Assert.Equal(401, op.Error!.HttpStatus);
    }

    [Fact]
    public void UseConciergus_NoRecorderRegistered_Throws()
    {
        var builder = new EmbeddingGeneratorBuilder<string, Embedding<float>>(new ScriptedEmbeddingGenerator(new FakeTimeProvider())).UseConciergus();

        Assert.Throws<InvalidOperationException>(() => builder.Build(new ServiceCollection().BuildServiceProvider()));
    }
}
