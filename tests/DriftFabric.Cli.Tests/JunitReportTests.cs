using System.Globalization;
using System.Xml.Linq;
using DriftFabric.Cli.Tests.Support;

namespace DriftFabric.Cli.Tests;

/// <summary>JUnit XML for CI test tabs: a test case per checked resource, failed when drifted, and one per input error.</summary>
public sealed class JunitReportTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _desired;
    private readonly string _live;

    public JunitReportTests()
    {
        (_desired, _live) = Objects.Shop.WriteIncident(_dir);
        _dir.Write("desired/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Each_checked_resource_and_each_input_error_is_one_test_case()
    {
        var json = CheckRunner.Check(_desired, _live);

        var cases = Junit().Descendants("testcase").ToList();

        Assert.Equal(json.Summary.GetProperty("resources").GetInt32() + json.Errors.Count, cases.Count);
        Assert.Single(json.Errors);
    }

    [Fact]
    public void Failures_are_exactly_the_drifted_resources()
    {
        var drifted = CheckRunner.Check(_desired, _live).Drifts.Select(d => d.GetProperty("resource").GetString()).Distinct().Order(StringComparer.Ordinal);

        var failed = Junit().Descendants("failure").Select(f => f.Parent!.Attribute("name")!.Value).Order(StringComparer.Ordinal);

        Assert.Equal(drifted, failed);
    }

    [Fact]
    public void Input_errors_are_errored_test_cases_naming_the_file()
    {
        var errored = Assert.Single(Junit().Descendants("error"));

        Assert.Contains("broken.yaml", errored.Parent!.Attribute("name")!.Value, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(errored.Attribute("message")?.Value));
        Assert.Null(errored.Parent.Element("failure"));
    }

    [Fact]
    public void Suite_counts_agree_with_the_test_cases()
    {
        var report = Junit();
        var cases = report.Descendants("testcase").ToList();

        foreach (var suite in new[] { report.Root!, report.Root!.Element("testsuite")! })
        {
            Assert.Equal(cases.Count, Count(suite, "tests"));
            Assert.Equal(cases.Count(c => c.Element("failure") is not null), Count(suite, "failures"));
            Assert.Equal(cases.Count(c => c.Element("error") is not null), Count(suite, "errors"));
        }

        Assert.Equal("testsuites", report.Root!.Name.LocalName);
    }

    private XDocument Junit() => XDocument.Parse(CheckRunner.Check(_desired, _live, "junit").Output);

    private static int Count(XElement suite, string attribute) =>
        int.Parse(suite.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);
}
