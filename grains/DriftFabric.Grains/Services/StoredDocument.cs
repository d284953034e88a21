using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
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
    [property: Id(3)] int Line,
    [property: Id(4)] ulong Hash)
{
    /// <summary>The lines of its fields where it was declared (<see cref="ResourceDocument.Lines"/>).</summary>
    [Id(5)]
    public byte[]? Lines { get; init; }

    private const int Quality = 1;
    private const int Window = 22;

    public static StoredDocument From(ResourceDocument document) => From(document, null);

    /// <summary>The stored form of a document; <paramref name="held"/> itself when it holds the same text (nothing is compressed again).</summary>
    public static StoredDocument From(ResourceDocument document, StoredDocument? held)
    {
        var hash = XxHash64.HashToUInt64(document.Json);
        return held is not null && held.Hash == hash && held.Key == document.Key && held.Source == document.Source && held.Line == document.Line
                && held.Lines.AsSpan().SequenceEqual(document.Lines)
            ? held
            : new(document.Key, Compress(document.Json), document.Source, document.Line, hash) { Lines = document.Lines };
    }

    /// <summary>
    /// The stored forms of <paramref name="documents"/>, reusing what <paramref name="held"/> already
    /// holds; <paramref name="same"/> is true when the result is exactly <paramref name="held"/>.
    /// </summary>
    public static List<StoredDocument> FromAll(IReadOnlyList<ResourceDocument> documents, List<StoredDocument> held, out bool same)
    {
        var byKey = new Dictionary<string, StoredDocument>(held.Count, StringComparer.Ordinal);
        foreach (var doc in held)
        {
            byKey[doc.Key] = doc;
        }

        var result = new List<StoredDocument>(documents.Count);
        same = documents.Count == held.Count;
        for (var i = 0; i < documents.Count; i++)
        {
            var stored = From(documents[i], byKey.GetValueOrDefault(documents[i].Key));
            same &= i < held.Count && ReferenceEquals(stored, held[i]);
            result.Add(stored);
        }

        // The held list itself when nothing changed: the new one would only be garbage.
        return same ? held : result;
    }

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
    private static byte[] Compress(byte[] utf8)
    {
        var buffer = new byte[4 + BrotliEncoder.GetMaxCompressedLength(utf8.Length)];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, utf8.Length);
        if (!BrotliEncoder.TryCompress(utf8, buffer.AsSpan(4), out var written, Quality, Window))
        {
            throw new InvalidOperationException("compression failed");
        }

        return buffer.AsSpan(0, 4 + written).ToArray();
    }
}
