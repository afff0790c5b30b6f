using System.Net;
using System.Text;
using Conciergus.Dashboard.Tests.Endpoints;

namespace Conciergus.Dashboard.Tests.Robustness;

/// <summary>Inputs the fuzzer (<see cref="IngestionFuzzTests"/>) found answered with a 500, kept as plain regression tests.</summary>
public sealed class MalformedIngestionTests : IDisposable
{
    private readonly ConciergusAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    // Fuzz seed 20261127 input #157: an overlong / out-of-range UTF-8 sequence inside a JSON string.
    public static TheoryData<byte[]> InvalidUtf8 => new()
    {
        { [0xF4, 0x90, 0x80, 0x80] }, // above U+10FFFF
        { [0xC0, 0xAF] },             // overlong '/'
        { [0xED, 0xA0, 0x80] },       // UTF-16 surrogate encoded in UTF-8
        { [0xFF] },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public async Task PostOperations_InvalidUtf8InAString_Returns400(byte[] bad)
    {
        using var client = _factory.CreateIngestionClient();
        var body = Splice("""{"operations":[{"model":"gpt-4o","durationMs":10,"application":"X"}]}""", bad);

        using var response = await client.PostAsync("/api/v1/operations", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public async Task PostTracesJson_InvalidUtf8InAString_Returns400(byte[] bad)
    {
        using var client = _factory.CreateIngestionClient();
        var body = Splice("""{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"X"}}]},"scopeSpans":[]}]}""", bad);

        using var response = await client.PostAsync("/v1/traces", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>The JSON with <paramref name="bad"/> in place of the X.</summary>
    private static ByteArrayContent Splice(string json, byte[] bad)
    {
        var at = json.IndexOf('X', StringComparison.Ordinal);
        var content = new ByteArrayContent([.. Encoding.UTF8.GetBytes(json[..at]), .. bad, .. Encoding.UTF8.GetBytes(json[(at + 1)..])]);
        content.Headers.ContentType = new("application/json");
        return content;
    }
}
