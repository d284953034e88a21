using System.Text.Json;
using System.Text.Json.Serialization;

namespace DriftFabric.Abstractions;

/// <summary>
/// A value the fabric holds as JSON text (a drift's desired and live sides, a remediation's
/// from and to) written into JSON as the value itself: <c>"desired": 2</c>, not the text
/// <c>"desired": "2"</c>; read back as its JSON text. The shape <c>driftfabric check</c> prints.
/// </summary>
public sealed class JsonTextConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var value = JsonDocument.ParseValue(ref reader);
        return value.RootElement.ValueKind == JsonValueKind.Null ? null : value.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        try
        {
            // Parsed and written again (not raw): the writer's encoder decides the escaping, so
            // a value reads the same as the rest of the document.
            using var parsed = JsonDocument.Parse(value);
            parsed.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            // Not JSON text (a value recorded before values were JSON): shown as the string it is.
            writer.WriteStringValue(value);
        }
    }
}

/// <summary>How the fabric writes JSON for people and tools: web names, enums as camelCase names, and no needless escapes (<c>+</c> and <c>"</c> stay as they are inside strings).</summary>
public static class FabricJson
{
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        if (!options.Converters.Any(c => c is JsonStringEnumConverter))
        {
            options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        }

        return options;
    }

    /// <summary>Options for the fabric's JSON documents (API, events, webhooks, the CLI's output).</summary>
    public static JsonSerializerOptions Create() => Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));
}

/// <summary>
/// Where a drift's field is declared, held as <c>file:line</c> (or the file alone when the line is
/// unknown) and written into JSON as <c>driftfabric check</c> prints it: <c>{"file": ..., "line": ...}</c>.
/// </summary>
public sealed class SourceJsonConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var value = JsonDocument.ParseValue(ref reader);
        var root = value.RootElement;
        return root.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => root.GetString(),
            JsonValueKind.Object when root.TryGetProperty("file", out var file) && file.ValueKind == JsonValueKind.String =>
                root.TryGetProperty("line", out var line) && line.TryGetInt32(out var number) && number > 0 ? $"{file.GetString()}:{number}" : file.GetString(),
            _ => throw new JsonException("a drift's source is an object with a file and a line"),
        };
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        var (file, line) = Split(value);
        writer.WriteStartObject();
        writer.WriteString("file", file);
        if (line > 0)
        {
            writer.WriteNumber("line", line);
        }

        writer.WriteEndObject();
    }

    /// <summary>The file and line of <c>file:line</c> (line 0 when there is none: a file name may hold colons itself).</summary>
    public static (string File, int Line) Split(string source)
    {
        var colon = source.LastIndexOf(':');
        return colon > 0 && int.TryParse(source.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var line) && line > 0
            ? (source[..colon], line)
            : (source, 0);
    }
}
