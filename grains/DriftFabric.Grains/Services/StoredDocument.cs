using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Services;

/// <summary>
/// A document as a service keeps it in memory and in storage: its compact JSON, Brotli-compressed
/// (fastest level). Kubernetes JSON compresses three to five times, and a fleet holds a million
/// of these; a document is decompressed only when its resource is judged.
/// </summary>
[GenerateSerializer, Immutable, Alias("driftfabric.StoredDocument")]
public sealed record StoredDocument(
    [property: Id(0)] string Key,
    [property: Id(1)] byte[] Body,
    [property: Id(2)] string? Source,
    [property: Id(3)] int Line)
{
    private const int Quality = 1;
    private const int Window = 22;

    public static StoredDocument From(ResourceDocument document) => new(document.Key, Compress(document.Json), document.Source, document.Line);

    /// <summary>The document's UTF-8 JSON.</summary>
    public byte[] Json()
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(Body);
        var json = new byte[length];
        if (!BrotliDecoder.TryDecompress(Body.AsSpan(4), json, out var written) || written != length)
        {
            throw new InvalidDataException($"stored document {Key} is damaged");
        }

        return json;
    }

    /// <summary>Length (4 bytes, little-endian), then the Brotli stream.</summary>
    private static byte[] Compress(string json)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);
        var buffer = new byte[4 + BrotliEncoder.GetMaxCompressedLength(utf8.Length)];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, utf8.Length);
        if (!BrotliEncoder.TryCompress(utf8, buffer.AsSpan(4), out var written, Quality, Window))
        {
            throw new InvalidOperationException("compression failed");
        }

        return buffer.AsSpan(0, 4 + written).ToArray();
    }
}
