using System.IO.Compression;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// Request bodies sent with <c>Content-Encoding</c>: gzip is decompressed with a cap on the decompressed size (a small
/// gzip bomb must not become gigabytes in memory); identity passes; anything else is 415.
/// </summary>
public static class ContentEncodings
{
    /// <summary>
    /// The decoded body, or the problem to answer with: 415 for an encoding other than gzip or identity, 413 when the
    /// decompressed body exceeds <paramref name="maxDecodedBytes"/>, 400 when the gzip stream is corrupt.
    /// </summary>
    public static (byte[]? Body, IResult? Problem) Decode(byte[] body, string? contentEncoding, long maxDecodedBytes)
    {
        ArgumentNullException.ThrowIfNull(body);
        var encoding = (contentEncoding ?? "").Trim();
        if (encoding.Length == 0 || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return (body, null);
        }

        if (!encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) && !encoding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Results.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported content encoding",
                detail: $"Content-Encoding '{encoding}' is not supported: send the body uncompressed or with gzip."));
        }

        try
        {
            using var input = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = input.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (output.Length + read > maxDecodedBytes)
                {
                    return (null, Results.Problem(
                        statusCode: StatusCodes.Status413PayloadTooLarge,
                        title: "Body too large after decompression",
                        detail: $"The gzip body decompresses to more than {maxDecodedBytes} bytes. Send smaller batches."));
                }

                output.Write(chunk, 0, read);
            }

            return (output.ToArray(), null);
        }
        catch (InvalidDataException)
        {
            return (null, Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Corrupt gzip body",
                detail: "Content-Encoding says gzip, but the body is not a valid gzip stream."));
        }
    }
}
