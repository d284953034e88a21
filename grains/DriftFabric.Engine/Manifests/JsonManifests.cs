using System.Text.Json;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Engine.Manifests;

/// <summary>
/// Reads the usual shapes of JSON input (one object, objects one after another, a <c>*List</c>
/// whose <c>items</c> are objects: what <c>kubectl get -o json</c> and the API server print)
/// straight into parsed JSON manifests, without building node trees. Any other shape, and any
/// input that is wrong in any way, is left to <see cref="JsonReader"/>, which reads the file as
/// trees and names each problem with its line: this reader only ever says "not mine".
/// </summary>
internal static class JsonManifests
{
    /// <summary>Adds every object of <paramref name="utf8"/> to <paramref name="set"/>, or adds nothing and returns false.</summary>
    public static bool TryLoad(string source, ReadOnlyMemory<byte> utf8, ManifestSet set, ParseLimits limits)
    {
        if (utf8.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            utf8 = utf8[3..];
        }

        var objects = new List<(int Start, int Length)>();
        if (!TryFindObjects(utf8.Span, limits, objects))
        {
            return false;
        }

        var options = new JsonDocumentOptions
        {
            AllowDuplicateProperties = false,
            CommentHandling = JsonCommentHandling.Skip,
            MaxDepth = limits.MaxDepth,
        };
        var manifests = new List<Manifest>(objects.Count);
        var documents = new List<JsonDocument>(objects.Count);
        var line = 1;
        var counted = 0;
        try
        {
            foreach (var (start, length) in objects)
            {
                line += utf8.Span[counted..start].Count((byte)'\n');
                counted = start;
                if (length > limits.MaxObjectBytes)
                {
                    return Abandon(documents);
                }

                var document = JsonDocument.Parse(utf8.Slice(start, length), options);
                documents.Add(document);
                switch (Classify(document.RootElement))
                {
                    case Use.Object:
                        manifests.Add(new Manifest(document.RootElement, new SourceLocation(source, line)));
                        break;
                    case Use.Skip:
                        break;
                    default:
                        return Abandon(documents);
                }
            }
        }
        catch (JsonException)
        {
            return Abandon(documents);
        }

        set.Manifests.AddRange(manifests);
        set.Own(documents);
        return true;
    }

    private enum Use
    {
        Object,
        Skip,
        NotMine,
    }

    /// <summary>An object that <see cref="ManifestLoader"/> would take as it is, one it skips (a tool's config), or anything else.</summary>
    private static Use Classify(JsonElement root)
    {
        var apiVersion = JsonNodes.StringOf(root, "apiVersion"u8);
        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(JsonNodes.StringOf(root, "kind"u8)))
        {
            return Use.NotMine;
        }

        if (ManifestLoader.IsToolDocument(apiVersion))
        {
            return Use.Skip;
        }

        return root.TryGetProperty("metadata"u8, out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && JsonNodes.StringOf(metadata, "name"u8) is { Length: > 0 }
            ? Use.Object
            : Use.NotMine;
    }

    /// <summary>The byte ranges of the objects to read: top-level objects, and the items of top-level lists.</summary>
    private static bool TryFindObjects(ReadOnlySpan<byte> utf8, ParseLimits limits, List<(int Start, int Length)> objects)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            MaxDepth = limits.MaxDepth,
            AllowMultipleValues = true,
        });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }

                var start = (int)reader.TokenStartIndex;
                switch (ListShape(reader))
                {
                    case null:
                        return false;
                    case true:
                        if (!TryFindItems(ref reader, objects))
                        {
                            return false;
                        }

                        break;
                    default:
                        reader.Skip();
                        objects.Add((start, (int)reader.BytesConsumed - start));
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return true;
    }

    /// <summary>
    /// True for a <c>*List</c> whose <c>items</c> is an array, false for an object that is no
    /// list, null for a list of any other shape. Reads a copy of the reader: the caller's stays put.
    /// </summary>
    private static bool? ListShape(Utf8JsonReader reader)
    {
        var isList = false;
        JsonTokenType? items = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("kind"u8))
            {
                reader.Read();
                isList = reader.TokenType == JsonTokenType.String && reader.GetString()!.EndsWith("List", StringComparison.Ordinal);
            }
            else if (reader.ValueTextEquals("items"u8))
            {
                reader.Read();
                items = reader.TokenType;
            }
            else
            {
                reader.Read();
            }

            reader.Skip();
        }

        return !isList || items is null ? false : items == JsonTokenType.StartArray ? true : null;
    }

    /// <summary>Moves the reader past a list object, adding the range of each of its items (which must all be objects).</summary>
    private static bool TryFindItems(ref Utf8JsonReader reader, List<(int Start, int Length)> objects)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isItems = reader.ValueTextEquals("items"u8);
            reader.Read();
            if (!isItems)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }

                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                objects.Add((start, (int)reader.BytesConsumed - start));
            }
        }

        return true;
    }

    private static bool Abandon(List<JsonDocument> documents)
    {
        documents.ForEach(d => d.Dispose());
        return false;
    }
}
