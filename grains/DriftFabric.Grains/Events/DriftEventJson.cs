using System.Buffers;
using System.Globalization;
using System.Text.Json;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Grains.Events;

/// <summary>
/// The JSON form of a drift event in the durable log: readable by any Redis client
/// (<c>XRANGE</c>) and by tools that do not speak .NET. The sequence number is the entry's ID,
/// not part of the body, so the log assigns it when it appends.
/// </summary>
public static class DriftEventJson
{
    public static byte[] Encode(ServiceId service, DriftTransition transition)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", Name(transition.Type));
            w.WriteString("service", service.Key);
            w.WriteString("at", transition.At);
            var d = transition.Drift;
            w.WriteStartObject("drift");
            w.WriteString("resource", d.Resource);
            w.WriteString("path", d.Path);
            w.WriteString("kind", d.Kind.ToString());
            w.WriteString("severity", d.Severity.ToString().ToLowerInvariant());
            WriteOptional(w, "desired", d.Desired);
            WriteOptional(w, "live", d.Live);
            WriteOptional(w, "manager", d.Manager);
            if (d.ChangedAt is { } changedAt)
            {
                w.WriteString("changedAt", changedAt);
            }

            w.WriteString("onsetAt", d.OnsetAt);
            WriteOptional(w, "source", d.Source);
            w.WriteEndObject();
            if (transition.Remediation is { } note)
            {
                w.WriteStartObject("remediation");
                w.WriteString("actor", note.Actor);
                w.WriteString("action", note.Action);
                w.WriteString("outcome", note.Outcome.ToWire());
                w.WriteString("message", note.Message);
                w.WriteStartArray("changes");
                foreach (var change in note.Changes)
                {
                    w.WriteStartObject();
                    w.WriteString("path", change.Path);
                    WriteOptional(w, "from", change.From);
                    WriteOptional(w, "to", change.To);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <exception cref="InvalidDataException">The body is not a drift event.</exception>
    public static DriftEvent Decode(string tenant, long sequence, ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            var d = root.GetProperty("drift");
            var drift = new DriftRecord(
                d.GetProperty("resource").GetString()!,
                d.GetProperty("path").GetString()!,
                Enum.Parse<DriftKind>(d.GetProperty("kind").GetString()!),
                Enum.Parse<Severity>(d.GetProperty("severity").GetString()!, ignoreCase: true),
                Optional(d, "desired"),
                Optional(d, "live"),
                Optional(d, "manager"),
                d.TryGetProperty("changedAt", out var changedAt) ? changedAt.GetDateTimeOffset() : null,
                d.GetProperty("onsetAt").GetDateTimeOffset(),
                Optional(d, "source"));
            return new DriftEvent(
                tenant,
                sequence,
                Enum.Parse<DriftEventType>(root.GetProperty("type").GetString()!, ignoreCase: true),
                ServiceId.Parse(root.GetProperty("service").GetString()!),
                drift,
                root.GetProperty("at").GetDateTimeOffset())
            {
                Remediation = root.TryGetProperty("remediation", out var note) ? ReadNote(note) : null,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"event {sequence} of tenant {tenant} is not a drift event: {e.Message}", e);
        }
    }

    private static string Name(DriftEventType type) => type switch
    {
        DriftEventType.Opened => "opened",
        DriftEventType.Changed => "changed",
        DriftEventType.Resolved => "resolved",
        DriftEventType.Remediated => "remediated",
        _ => type.ToString().ToLower(CultureInfo.InvariantCulture),
    };

    private static RemediationNote ReadNote(JsonElement note) => new(
        note.GetProperty("actor").GetString()!,
        note.GetProperty("action").GetString()!,
        RemediationOutcomes.FromWire(note.GetProperty("outcome").GetString()!),
        note.GetProperty("message").GetString()!,
        [.. note.GetProperty("changes").EnumerateArray().Select(c => new FieldChange(c.GetProperty("path").GetString()!, Optional(c, "from"), Optional(c, "to")))]);

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static string? Optional(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
