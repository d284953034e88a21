using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Model;
using static DriftFabric.Testing.Objects.Yaml;

namespace DriftFabric.Engine.Tests.Comparison;

public class NormalizationTests
{
    [Theory]
    [InlineData("1000m", "1")]
    [InlineData("1", "1000m")]
    [InlineData("0.5", "500m")]
    [InlineData("1Gi", "1024Mi")]
    [InlineData("2048Mi", "2Gi")]
    [InlineData("1e3", "1k")]
    [InlineData("128974848", "123Mi")]
    public void Quantities_compare_by_value(string a, string b)
    {
        Assert.True(Quantity.TryParse(a, out var qa));
        Assert.True(Quantity.TryParse(b, out var qb));
        Assert.Equal(qa.Value, qb.Value);
    }

    [Theory]
    [InlineData("1G", "1Gi")]
    [InlineData("100m", "1")]
    [InlineData("1Ki", "1k")]
    public void Different_quantities_differ(string a, string b)
    {
        Assert.True(Quantity.TryParse(a, out var qa));
        Assert.True(Quantity.TryParse(b, out var qb));
        Assert.NotEqual(qa.Value, qb.Value);
    }

    [Theory]
    [InlineData("1000m", "1")]
    [InlineData("1536Mi", "1536Mi")]
    [InlineData("0.5Gi", "512Mi")]
    [InlineData("1500", "1500")]
    [InlineData("2000", "2k")]
    [InlineData("0.1", "100m")]
    public void Quantities_print_in_canonical_form(string input, string canonical)
    {
        Assert.True(Quantity.TryParse(input, out var q));
        Assert.Equal(canonical, q.ToString());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("1.2.3")]
    [InlineData("5Qi")]
    public void Text_that_is_no_quantity_is_refused(string text) => Assert.False(Quantity.TryParse(text, out _));

    [Fact]
    public void Canonically_equal_resources_are_not_drift()
    {
        var desired = DesiredDeployment.Swap("cpu: 250m\n            memory: 256Mi", "cpu: \"0.25\"\n            memory: 268435456");
        Assert.Empty(Drifts.Of(desired, LiveDeployment()));
    }

    [Fact]
    public void Changed_quantity_is_reported_with_canonical_values()
    {
        var live = LiveDeployment(
            Entry("kubectl-set", "f:spec:\n  f:template:\n    f:spec:\n      f:containers:\n        k:{\"name\":\"web\"}:\n          f:resources:\n            f:requests:\n              f:cpu: {}"),
            container: DefaultLiveContainer.Swap("cpu: 250m", "cpu: \"1\""));

        var drift = Drifts.Single(DesiredDeployment, live);

        Assert.Equal("/spec/template/spec/containers[name=web]/resources/requests/cpu", drift.Path);
        Assert.Equal("\"250m\"", drift.Desired!.ToJson());
        Assert.Equal("\"1\"", drift.Live!.ToJson());
    }

    [Fact]
    public void Numbers_compare_by_value_but_never_equal_strings()
    {
        Assert.Empty(Drifts.Of(DesiredDeployment.Swap("replicas: 2", "replicas: 2.0"), LiveDeployment()));

        var asString = Drifts.Single(DesiredDeployment.Swap("replicas: 2", "replicas: \"2\""), LiveDeployment());
        Assert.Equal(("/spec/replicas", DriftKind.Modified), (asString.Path, asString.Kind));
    }

    [Fact]
    public void Empty_desired_values_equal_absent_live_fields()
    {
        var desired = DesiredDeployment
            .Swap("  labels:\n    app: web\nspec:", "  labels:\n    app: web\n  annotations: {}\nspec:")
            .Swap("        args: [\"--port\", \"8080\"]", "        args: [\"--port\", \"8080\"]\n        command: []\n        workingDir: \"\"\n        livenessProbe: null");
        Assert.Empty(Drifts.Of(desired, LiveDeployment()));
    }

    [Fact]
    public void Missing_field_is_reported_at_the_shallowest_absent_path()
    {
        var desired = DesiredDeployment.Swap("        resources:", "        readinessProbe:\n          httpGet:\n            path: /healthz\n            port: 8080\n        resources:");

        var drift = Drifts.Single(desired, LiveDeployment());

        Assert.Equal(("/spec/template/spec/containers[name=web]/readinessProbe", DriftKind.Missing), (drift.Path, drift.Kind));
        Assert.Equal(NodeKind.Map, drift.Desired!.Kind);
    }

    [Theory]
    [InlineData("1Gi", "1024Mi", null)]
    [InlineData("1Gi", "2Gi", "\"2Gi\"")]
    [InlineData("0.5Gi", "536870912", null)]
    public void Quantities_reached_through_maps_alone_compare_by_value(string desired, string live, string? reported)
    {
        // No list above the value: the live scan hands it to the comparer as a field, not a document.
        const string Claim = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: shop}\nspec:\n  resources:\n    requests:\n      storage: \"@\"\n";
        var drifts = Drifts.Of(Claim.Replace("@", desired, StringComparison.Ordinal), Claim.Replace("@", live, StringComparison.Ordinal));
        Assert.Equal(reported, drifts.SingleOrDefault()?.Live?.ToJson());
    }

    [Theory]
    [InlineData("1.5e300", "1.5e300", false)]
    [InlineData("1.5e300", "2.5e300", true)]
    [InlineData("1.5e300", "15e299", false)]
    [InlineData("0.1", "0.10", false)]
    [InlineData("true", "true", false)]
    [InlineData("true", "false", true)]
    [InlineData("\"on\"", "true", true)]
    public void Scalars_reached_through_maps_alone_compare_as_anywhere_else(string desired, string live, bool drifts)
    {
        const string Widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: shop}\nspec:\n  tuning:\n    value: @\n";
        Assert.Equal(drifts, Drifts.Of(Widget.Replace("@", desired, StringComparison.Ordinal), Widget.Replace("@", live, StringComparison.Ordinal)).Count == 1);
    }

    [Fact]
    public void Type_change_is_modified_where_the_types_differ()
    {
        var live = LiveDeployment(container: DefaultLiveContainer.Swap("  env:\n  - name: LOG_LEVEL\n    value: info", "  env: {LOG_LEVEL: info}"));
        var drift = Drifts.Single(DesiredDeployment, live);
        Assert.Equal(("/spec/template/spec/containers[name=web]/env", DriftKind.Modified), (drift.Path, drift.Kind));
    }
}
