using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Cli.Reports;

/// <summary>
/// SARIF 2.1.0 for code-scanning UIs: one result per drift, located at the desired file and
/// line where the resource or field is declared (a logical location for unmanaged resources),
/// and each input error as a tool execution notification.
/// </summary>
internal sealed class SarifReportWriter : IReportWriter
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

    private static readonly (DriftKind Kind, string Id, string Description)[] Rules =
    [
        (DriftKind.Missing, "driftfabric/missing", "A resource or field declared in code is absent from the cluster."),
        (DriftKind.Modified, "driftfabric/modified", "A field declared in code has a different value in the cluster."),
        (DriftKind.Added, "driftfabric/added", "A field or list element was added in the cluster outside the code (an out-of-band change)."),
        (DriftKind.Unmanaged, "driftfabric/unmanaged", "A resource exists in a managed scope of the cluster but is declared nowhere in code."),
    ];

    public void Write(CheckReport report, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("$schema", SchemaUri);
            json.WriteString("version", "2.1.0");
            json.WriteStartArray("runs");
            json.WriteStartObject();
            WriteTool(json);
            WriteInvocation(json, report);
            json.WriteStartArray("results");
            foreach (var drift in report.Drifts)
            {
                WriteResult(json, drift);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        output.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        output.WriteLine();
    }

    private static void WriteTool(Utf8JsonWriter json)
    {
        json.WriteStartObject("tool");
        json.WriteStartObject("driver");
        json.WriteString("name", "driftfabric");
        json.WriteString("semanticVersion", typeof(SarifReportWriter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
        json.WriteStartArray("rules");
        foreach (var (_, id, description) in Rules)
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteStartObject("shortDescription");
            json.WriteString("text", description);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteInvocation(Utf8JsonWriter json, CheckReport report)
    {
        json.WriteStartArray("invocations");
        json.WriteStartObject();
        json.WriteBoolean("executionSuccessful", report.Errors.Count == 0);
        json.WriteStartArray("toolExecutionNotifications");
        foreach (var error in report.Errors)
        {
            json.WriteStartObject();
            json.WriteString("level", "error");
            json.WriteStartObject("message");
            json.WriteString("text", error.Message);
            json.WriteEndObject();
            json.WriteStartArray("locations");
            WritePhysicalLocation(json, error.Source, error.Line);
            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
    }

    private static void WriteResult(Utf8JsonWriter json, Drift drift)
    {
        var rule = Array.FindIndex(Rules, r => r.Kind == drift.Kind);
        json.WriteStartObject();
        json.WriteString("ruleId", Rules[rule].Id);
        json.WriteNumber("ruleIndex", rule);
        json.WriteString("level", drift.Severity switch
        {
            Severity.Critical or Severity.High => "error",
            Severity.Medium => "warning",
            _ => "note",
        });
        json.WriteStartObject("message");
        var where = drift.Path.Length == 0 ? string.Empty : $" at {drift.Path}";
        var who = drift.Manager is null ? string.Empty : $" by {drift.Manager}";
        json.WriteString("text", $"{drift.Kind} drift of {drift.Resource}{where}{who}: {ReportText.Change(drift, 200)}");
        json.WriteEndObject();
        json.WriteStartArray("locations");
        if (drift.Source is { } source)
        {
            WritePhysicalLocation(json, source.Source, source.Line, drift);
        }
        else
        {
            json.WriteStartObject();
            WriteLogicalLocation(json, drift);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("partialFingerprints");
        json.WriteString("driftId/v1", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(drift.Id)))[..32]);
        json.WriteEndObject();
        json.WriteStartObject("properties");
        json.WriteString("resource", drift.Resource.ToString());
        json.WriteString("path", drift.Path);
        json.WriteString("kind", drift.Kind.ToString());
        json.WriteString("severity", drift.Severity.ToText());
        json.WriteString("security-severity", drift.Severity switch
        {
            Severity.Critical => "9.5",
            Severity.High => "7.5",
            Severity.Medium => "5.0",
            _ => "2.0",
        });
        if (drift.Manager is not null)
        {
            json.WriteString("manager", drift.Manager);
        }

        if (drift.ChangedAt is { } at)
        {
            json.WriteString("changedAt", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WritePhysicalLocation(Utf8JsonWriter json, string file, int line, Drift? drift = null)
    {
        json.WriteStartObject();
        json.WriteStartObject("physicalLocation");
        json.WriteStartObject("artifactLocation");
        json.WriteString("uri", ToUri(file));
        json.WriteEndObject();
        if (line > 0)
        {
            json.WriteStartObject("region");
            json.WriteNumber("startLine", line);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        if (drift is not null)
        {
            WriteLogicalLocation(json, drift);
        }

        json.WriteEndObject();
    }

    private static void WriteLogicalLocation(Utf8JsonWriter json, Drift drift)
    {
        json.WriteStartArray("logicalLocations");
        json.WriteStartObject();
        json.WriteString("fullyQualifiedName", drift.Path.Length == 0 ? drift.Resource.ToString() : drift.Resource + drift.Path);
        json.WriteString("kind", "resource");
        json.WriteEndObject();
        json.WriteEndArray();
    }

    /// <summary>Relative paths stay relative (to the checkout); absolute ones become file URIs.</summary>
    private static string ToUri(string file) =>
        Path.IsPathRooted(file) ? new Uri(file).AbsoluteUri : file.Replace('\\', '/');
}
