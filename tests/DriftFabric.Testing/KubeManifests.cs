using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DriftFabric.Testing;

/// <summary>
/// Kubernetes objects read from manifest files as <c>kubectl apply -f</c> reads them: YAML or
/// JSON, several documents to a file, <c>List</c>s unwrapped, every <c>.yaml</c>, <c>.yml</c> and
/// <c>.json</c> file of a directory and its subdirectories (in name order).
/// </summary>
public static class KubeManifests
{
    public static IReadOnlyList<JsonObject> ReadPath(string path)
    {
        if (File.Exists(path))
        {
            return ReadFile(path);
        }

        var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        return [.. files.SelectMany(ReadFile)];
    }

    public static IReadOnlyList<JsonObject> ReadFile(string file)
    {
        try
        {
            return Read(File.ReadAllText(file));
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{file}:{e.Start.Line}: {e.Message}", e);
        }
    }

    /// <summary>The objects of a manifest text (JSON is YAML), Lists unwrapped, empty documents skipped.</summary>
    public static IReadOnlyList<JsonObject> Read(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var objects = new List<JsonObject>();
        foreach (var document in stream.Documents)
        {
            if (ToJson(document.RootNode) is JsonObject obj)
            {
                Unwrap(obj, objects);
            }
        }

        return objects;
    }

    private static void Unwrap(JsonObject obj, List<JsonObject> into)
    {
        if (obj["kind"]?.GetValue<string>() is { } kind && kind.EndsWith("List", StringComparison.Ordinal) && obj["items"] is JsonArray items)
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                Unwrap(item, into);
            }
        }
        else if (obj.Count > 0)
        {
            into.Add(obj);
        }
    }

    /// <summary>YAML 1.2's core schema as Kubernetes reads it: plain scalars that look like numbers, booleans or null are those.</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? string.Empty, ToJson(kv.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain } scalar => Plain(scalar.Value ?? string.Empty),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? string.Empty),
        _ => null,
    };

    private static JsonValue? Plain(string value) => value switch
    {
        "" or "~" or "null" or "Null" or "NULL" => null,
        "true" or "True" or "TRUE" => JsonValue.Create(true),
        "false" or "False" or "FALSE" => JsonValue.Create(false),
        _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => JsonValue.Create(integer),
        _ when value.Any(char.IsDigit) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && !value.Contains(',', StringComparison.Ordinal) => JsonValue.Create(number),
        _ => JsonValue.Create(value),
    };
}
