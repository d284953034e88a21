using System.Xml;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Cli.Reports;

/// <summary>
/// JUnit XML for CI test tabs: one test case per checked resource (failed when drifted, with
/// each drift listed), and one errored test case per input that could not be read.
/// </summary>
internal sealed class JunitReportWriter : IReportWriter
{
    public void Write(CheckReport report, TextWriter output)
    {
        var byResource = report.Drifts.ToLookup(d => d.Resource);
        var settings = new XmlWriterSettings { Indent = true, OmitXmlDeclaration = false, Encoding = new System.Text.UTF8Encoding(false) };
        using var stringWriter = new Utf8StringWriter();
        using (var xml = XmlWriter.Create(stringWriter, settings))
        {
            var tests = (report.Resources.Count + report.Errors.Count).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var failures = report.DriftedResources.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var errors = report.Errors.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            xml.WriteStartElement("testsuites");
            xml.WriteAttributeString("name", "driftfabric");
            xml.WriteAttributeString("tests", tests);
            xml.WriteAttributeString("failures", failures);
            xml.WriteAttributeString("errors", errors);
            xml.WriteStartElement("testsuite");
            xml.WriteAttributeString("name", "driftfabric check");
            xml.WriteAttributeString("tests", tests);
            xml.WriteAttributeString("failures", failures);
            xml.WriteAttributeString("errors", errors);
            xml.WriteAttributeString("skipped", "0");
            foreach (var resource in report.Resources)
            {
                xml.WriteStartElement("testcase");
                xml.WriteAttributeString("classname", resource.Key.GroupKind);
                xml.WriteAttributeString("name", resource.Key.ToString());
                if (resource.Desired is { } source)
                {
                    xml.WriteAttributeString("file", source.Source);
                    if (source.Line > 0)
                    {
                        xml.WriteAttributeString("line", source.Line.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                }

                var drifts = byResource[resource.Key].ToList();
                if (drifts.Count > 0)
                {
                    var worst = drifts.Max(d => d.Severity);
                    xml.WriteStartElement("failure");
                    xml.WriteAttributeString("type", worst.ToText());
                    xml.WriteAttributeString("message", $"{ReportText.Plural(drifts.Count, "drift")}, worst {worst.ToText()}");
                    xml.WriteString(string.Join('\n', drifts.Select(Line)));
                    xml.WriteEndElement();
                }

                xml.WriteEndElement();
            }

            foreach (var error in report.Errors)
            {
                xml.WriteStartElement("testcase");
                xml.WriteAttributeString("classname", "input");
                xml.WriteAttributeString("name", error.Line > 0 ? $"{error.Source}:{error.Line}" : error.Source);
                xml.WriteStartElement("error");
                xml.WriteAttributeString("message", error.Message);
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        output.WriteLine(stringWriter.ToString());
    }

    private static string Line(Drift drift)
    {
        var who = drift.Manager is null ? string.Empty : $" (by {drift.Manager})";
        return $"{drift.Severity.ToText()} {drift.Kind} {ReportText.PathOrWhole(drift)}: {ReportText.Change(drift, 200)}{who}";
    }

    private sealed class Utf8StringWriter : StringWriter
    {
        public Utf8StringWriter()
            : base(System.Globalization.CultureInfo.InvariantCulture)
        {
        }

        public override System.Text.Encoding Encoding => new System.Text.UTF8Encoding(false);
    }
}
