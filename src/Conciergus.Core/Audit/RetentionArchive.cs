using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using LiteDB;

namespace Conciergus.Core.Audit;

/// <summary>One archive written before a purge.</summary>
/// <param name="Path">The .zip file.</param>
/// <param name="Sha256">SHA-256 of the whole file (lower-case hex), chained into the audit trail by the purge's entry.</param>
/// <param name="Count">Records in it.</param>
public sealed record ArchiveResult(string Path, string Sha256, int Count);

/// <summary>What an archive holds, read back.</summary>
/// <param name="DataClass">"audit", "decisions", ...</param>
/// <param name="Records">The documents exactly as they were stored before the purge.</param>
/// <param name="Valid">Whether the records match the hash list in the manifest.</param>
public sealed record ArchiveContents(string DataClass, IReadOnlyList<BsonDocument> Records, bool Valid);

/// <summary>
/// Archival before purge (<c>Conciergus:Compliance:ArchiveDirectory</c>): whatever retention is about to remove is
/// first written to a compressed archive (zip, Deflate) holding records.jsonl (one stored document per line, LiteDB's
/// JSON with types) and manifest.json (data class, count, first and last sequence, SHA-256 of records.jsonl, and every
/// record's sequence with the SHA-256 of its line: the hash list). The SHA-256 of the whole file goes into the purge's
/// audit entry, so the archive of a purged period is bound to the chain. Writing fails loudly, and then nothing is purged.
/// </summary>
public sealed class RetentionArchive(string? directory)
{
    /// <summary>Whether a folder is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(directory);

    /// <summary>The folder (absolute), or null.</summary>
    public string? FullPath => Enabled ? System.IO.Path.GetFullPath(directory!) : null;

    /// <summary>Writes the records about to be purged; null when archival is off or there is nothing to archive.</summary>
    public ArchiveResult? Write(string dataClass, IReadOnlyList<BsonDocument> records, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (!Enabled || records.Count == 0)
        {
            return null;
        }

        Directory.CreateDirectory(FullPath!);
        var lines = records.Select(r => LiteDB.JsonSerializer.Serialize(r)).ToList();
        var body = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));
        var sequences = records.Select(r => r["_id"].IsNumber ? r["_id"].AsInt64 : 0).ToList();
        var manifest = new BsonDocument
        {
            ["dataClass"] = dataClass,
            ["createdAt"] = AuditCanonical.FormatTimestamp(now),
            ["count"] = records.Count,
            ["firstSequence"] = sequences.Min(),
            ["lastSequence"] = sequences.Max(),
            ["recordsSha256"] = Hex(SHA256.HashData(body)),
            ["hashes"] = new BsonArray(lines.Select((l, i) => (BsonValue)new BsonArray(sequences[i], Hex(SHA256.HashData(Encoding.UTF8.GetBytes(l)))))),
        };
        var name = string.Create(CultureInfo.InvariantCulture, $"{dataClass}-{now.ToUniversalTime():yyyyMMdd'T'HHmmss'Z'}-{sequences.Min()}-{sequences.Max()}.zip");
        var path = System.IO.Path.Combine(FullPath!, name);
        var partial = path + ".partial";
        using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
            {
                Entry(zip, "records.jsonl", body);
                Entry(zip, "manifest.json", Encoding.UTF8.GetBytes(LiteDB.JsonSerializer.Serialize(manifest, indent: true)));
            }

            file.Flush(flushToDisk: true);
        }

        File.Move(partial, path, overwrite: true);
        using var read = File.OpenRead(path);
        return new ArchiveResult(path, Hex(SHA256.HashData(read)), records.Count);
    }

    /// <summary>Reads an archive back and checks its hash list; <paramref name="expectedSha256"/> (from the audit entry) is checked first when given.</summary>
    public static ArchiveContents Read(string path, string? expectedSha256 = null)
    {
        if (expectedSha256 is not null)
        {
            using var whole = File.OpenRead(path);
            if (Hex(SHA256.HashData(whole)) != expectedSha256)
            {
                throw new InvalidDataException($"{path} does not match the SHA-256 recorded in the audit trail.");
            }
        }

        using var zip = ZipFile.OpenRead(path);
        var body = ReadEntry(zip, "records.jsonl");
        var manifest = LiteDB.JsonSerializer.Deserialize(Encoding.UTF8.GetString(ReadEntry(zip, "manifest.json"))).AsDocument;
        var lines = Encoding.UTF8.GetString(body).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var hashes = manifest["hashes"].AsArray;
        var valid = manifest["recordsSha256"].AsString == Hex(SHA256.HashData(body)) && hashes.Count == lines.Length
            && lines.Select((l, i) => hashes[i][1].AsString == Hex(SHA256.HashData(Encoding.UTF8.GetBytes(l)))).All(ok => ok);
        return new ArchiveContents(manifest["dataClass"].AsString, [.. lines.Select(l => LiteDB.JsonSerializer.Deserialize(l).AsDocument)], valid);
    }

    private static void Entry(ZipArchive zip, string name, byte[] bytes)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
        stream.Write(bytes);
    }

    private static byte[] ReadEntry(ZipArchive zip, string name)
    {
        using var stream = (zip.GetEntry(name) ?? throw new InvalidDataException($"The archive has no {name}.")).Open();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    private static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);
}
