using System.Text.Encodings.Web;
using System.Text.Json;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Cli.Reports;

/// <summary>The JSON report of the CLI contract; byte-for-byte stable for the same input.</summary>
internal sealed class JsonReportWriter : IReportWriter
{
    public void Write(CheckReport report, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartArray("drifts");
            foreach (var drift in report.Drifts)
            {
                WriteDrift(json, drift);
            }

            json.WriteEndArray();
            json.WriteStartArray("errors");
            foreach (var error in report.Errors)
            {
                json.WriteStartObject();
                json.WriteString("source", error.Source);
                if (error.Line > 0)
                {
                    json.WriteNumber("line", error.Line);
                }

                json.WriteString("message", error.Message);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("summary");
            json.WriteNumber("resources", report.Resources.Count);
            json.WriteNumber("drifted", report.DriftedResources);
            json.WriteNumber("drifts", report.Drifts.Count);
            json.WriteStartObject("bySeverity");
            foreach (var severity in new[] { Severity.Critical, Severity.High, Severity.Medium, Severity.Low })
            {
                json.WriteNumber(severity.ToText(), report.CountOf(severity));
            }

            json.WriteEndObject();
            json.WriteNumber("errors", report.Errors.Count);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        output.Write(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        output.WriteLine();
    }

    internal static void WriteDrift(Utf8JsonWriter json, Drift drift)
    {
        json.WriteStartObject();
        json.WriteString("resource", drift.Resource.ToString());
        json.WriteString("path", drift.Path);
        json.WriteString("kind", drift.Kind.ToString());
        json.WriteString("severity", drift.Severity.ToText());
        if (drift.Desired is not null)
        {
            json.WritePropertyName("desired");
            drift.Desired.WriteTo(json);
        }

        if (drift.Live is not null)
        {
            json.WritePropertyName("live");
            drift.Live.WriteTo(json);
        }

        if (drift.Manager is not null)
        {
            json.WriteString("manager", drift.Manager);
        }

        if (drift.ChangedAt is { } changedAt)
        {
            json.WriteString("changedAt", changedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        }

        if (drift.Source is { } source)
        {
            json.WriteStartObject("source");
            json.WriteString("file", source.Source);
            if (source.Line > 0)
            {
                json.WriteNumber("line", source.Line);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }
}
