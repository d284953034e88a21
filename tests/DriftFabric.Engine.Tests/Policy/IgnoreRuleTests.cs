using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Paths;
using DriftFabric.Engine.Policy;
using static DriftFabric.Testing.Objects.Yaml;

namespace DriftFabric.Engine.Tests.Policy;

public class IgnoreRuleTests
{
    private static DriftPolicy Ignoring(string path, ResourceSelector? selector = null) =>
        new() { Ignore = [new IgnoreRule(selector ?? ResourceSelector.All, PathPattern.Parse(path))] };

    private static readonly string ScaledByHand = LiveDeployment(Entry("kubectl-scale", "f:spec:\n  f:replicas: {}"), replicas: "7");

    [Fact]
    public void Ignored_path_is_never_drift()
    {
        Assert.Single(Drifts.Of(DesiredDeployment, ScaledByHand));
        Assert.Empty(Drifts.Of(DesiredDeployment, ScaledByHand, Ignoring("/spec/replicas")));
    }

    [Theory]
    [InlineData("Deployment", null, null, true)]
    [InlineData("apps/Deployment", "shop", null, true)]
    [InlineData("StatefulSet", null, null, false)]
    [InlineData(null, "billing", null, false)]
    [InlineData(null, null, "apps/Deployment/shop/w*", true)]
    [InlineData(null, null, "apps/Deployment/shop/api", false)]
    public void Rules_apply_only_to_the_resources_they_select(string? kind, string? ns, string? resource, bool ignored)
    {
        var drifts = Drifts.Of(DesiredDeployment, ScaledByHand, Ignoring("/spec/replicas", new ResourceSelector(kind, ns, resource)));
        Assert.Equal(ignored, drifts.Count == 0);
    }

    [Fact]
    public void Selectors_reach_into_keyed_and_atomic_lists_with_wildcards()
    {
        var live = LiveDeployment(
            Entry("kubectl-set", "f:spec:\n  f:template:\n    f:spec:\n      f:containers:\n        k:{\"name\":\"web\"}:\n          f:image: {}\n          f:resources:\n            f:requests:\n              f:cpu: {}"),
            container: DefaultLiveContainer.Swap("image: registry.example.com/web:1.0.0", "image: registry.example.com/web:1.0.1").Swap("cpu: 250m", "cpu: 300m"));

        var drifts = Drifts.Of(DesiredDeployment, live, Ignoring("/spec/template/spec/containers[name=*]/resources"));

        Assert.Equal("/spec/template/spec/containers[name=web]/image", Assert.Single(drifts).Path);
    }

    [Fact]
    public void Ignoring_a_key_inside_an_added_map_leaves_the_rest_reported()
    {
        var live = LiveDeployment(Entry("kubectl-annotate", "f:metadata:\n  f:annotations:\n    f:team: {}\n    f:note: {}"))
            .Swap("    deployment.kubernetes.io/revision: \"3\"", "    deployment.kubernetes.io/revision: \"3\"\n    team: payments\n    note: hi");

        var drifts = Drifts.Of(DesiredDeployment, live, Ignoring("/metadata/annotations/note"));

        Assert.Equal("/metadata/annotations/team", Assert.Single(drifts).Path);
    }

    [Fact]
    public void Whole_resources_can_be_ignored()
    {
        var policy = new DriftPolicy { Ignore = [new IgnoreRule(new ResourceSelector(Resource: "apps/Deployment/shop/web"), PathPattern.Parse(string.Empty))] };
        var result = Drifts.Check(DesiredDeployment, "apiVersion: v1\nkind: List\nitems: []", policy);
        Assert.Empty(result.Drifts);
        Assert.Empty(result.Resources);
    }

    [Theory]
    [InlineData("/spec/replicas", "/spec/replicas", true)]
    [InlineData("/spec", "/spec/replicas", true)]
    [InlineData("/spec/replicas", "/spec", false)]
    [InlineData("/spec/*/spec", "/spec/template/spec/dnsPolicy", true)]
    [InlineData("/metadata/annotations/a~1b", "/metadata/annotations/a~1b", true)]
    [InlineData("/x/env[name=A]", "/x/env[name=B]/value", false)]
    public void Patterns_cover_their_path_and_everything_below(string pattern, string path, bool covered)
    {
        Assert.Equal(covered, PathPattern.Parse(pattern).Covers(path));
    }

    [Theory]
    [InlineData("spec")]
    [InlineData("/spec//x")]
    [InlineData("/spec/[name=a]")]
    [InlineData("/x[name]")]
    public void Malformed_patterns_are_refused(string pattern)
    {
        Assert.Null(PathPattern.TryParse(pattern, out var error));
        Assert.NotNull(error);
    }
}
