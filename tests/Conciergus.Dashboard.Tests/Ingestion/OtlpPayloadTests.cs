using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;

namespace Conciergus.Dashboard.Tests.Ingestion;

public sealed class OtlpPayloadTests
{
    [Theory]
    [InlineData("application/x-protobuf", OtlpFormat.Protobuf)]
    [InlineData("application/protobuf", OtlpFormat.Protobuf)]
    [InlineData("application/json", OtlpFormat.Json)]
    [InlineData("Application/JSON; charset=utf-8", OtlpFormat.Json)]
    [InlineData("text/plain", null)]
    [InlineData("application/grpc", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void FormatOf_ContentType_GivesFormat(string? contentType, OtlpFormat? format) =>
        Assert.Equal(format, OtlpPayload.FormatOf(contentType));

    [Fact]
    public void Parse_JsonHexIds_BecomeTheSameBytesAsProtobuf()
    {
        var json = """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174","parentSpanId":"","name":"n\u00e9","unknownField":{"x":[1,2]}}]}]}]}"""u8.ToArray();

        var request = OtlpPayload.Parse(json, OtlpFormat.Json, ExportTraceServiceRequest.Parser);

        var span = request.ResourceSpans[0].ScopeSpans[0].Spans[0];
        Assert.Equal("5b8efff798038103d269b633813fc60c", Convert.ToHexStringLower(span.TraceId.Span));
        Assert.Equal("eee19b7ec3c1b174", Convert.ToHexStringLower(span.SpanId.Span));
        Assert.True(span.ParentSpanId.IsEmpty);
        Assert.Equal("né", span.Name);
    }

    [Fact]
    public void Decode_GzipUnderTheCap_ReturnsTheBody()
    {
        var body = new byte[10_000];
        Random.Shared.NextBytes(body);

        Assert.Equal(body, OtlpPayload.Decode(OtlpRequests.Gzip(body), "gzip", 10_000));
    }

    [Fact]
    public void Decode_GzipOverTheCap_ThrowsTooLarge()
    {
        var bomb = OtlpRequests.Gzip(new byte[10_001]);

        var e = Assert.Throws<OtlpRequestException>(() => OtlpPayload.Decode(bomb, "gzip", 10_000));

        Assert.Equal(OtlpFailure.TooLarge, e.Failure);
    }

    [Fact]
    public void OptionsValidator_OutOfRangeValues_NameEachKey()
    {
        var result = new OtlpOptionsValidator().Validate(null, new OtlpOptions
        {
            MaxDecompressedBytes = 10, MaxAttributesPerSpan = 0, MaxAttributeValueLength = 1, ChildHold = TimeSpan.FromHours(1), MaxPendingChildren = -1, MaxRememberedCalls = 0,
        });

        Assert.True(result.Failed);
        foreach (var key in new[] { "MaxDecompressedBytes", "MaxAttributesPerSpan", "MaxAttributeValueLength", "ChildHold", "MaxPendingChildren", "MaxRememberedCalls" })
        {
            Assert.Contains("Conciergus:Ingestion:Otlp:" + key, result.FailureMessage);
        }
    }
}
