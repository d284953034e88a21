using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Policy;
using static DriftFabric.Testing.Objects.Yaml;

namespace DriftFabric.Engine.Tests.Policy;

/// <summary>
/// Ignore rules in the code itself: <c>driftfabric.io/ignore</c> on a desired object drops the
/// paths it names for that object only; a malformed annotation is an error naming the file
/// and line, and ignores nothing.
/// </summary>
public class IgnoreAnnotationTests
{
    private static string Annotated(string paths) => DesiredDeployment.Swap(
        "  labels:\n    app: web\nspec:",
        $"  labels:\n    app: web\n  annotations:\n    driftfabric.io/ignore: '{paths}'\nspec:");

    /// <summary>A live object as applied from <see cref="Annotated"/>: it carries the annotation too.</summary>
    private static string LiveAnnotated(string live, string paths) => live.Swap("  annotations:\n", $"  annotations:\n    driftfabric.io/ignore: '{paths}'\n");

    private static readonly string Scaled = LiveDeployment(Entry("kubectl-scale", "f:spec:\n  f:replicas: {}", subresource: "scale"), replicas: "5");

    [Fact]
    public void An_ignore_annotation_drops_its_paths_for_that_object_only()
    {
        var desired = Annotated("/spec/replicas, /metadata/labels/team") + "\n---\n" + DesiredDeployment.Swap("name: web", "name: api").Swap("app: web", "app: api");
        var live = LiveAnnotated(Scaled, "/spec/replicas, /metadata/labels/team")
            + "\n---\n" + Scaled.Swap("name: web", "name: api").Swap("app: web", "app: api");

        var result = Drifts.Check(desired, live);

        Assert.Empty(result.Errors);
        Assert.Equal(["apps/Deployment/shop/api /spec/replicas Modified"], Drifts.Lines(result.Drifts));
    }

    [Fact]
    public void An_ignore_annotation_takes_selectors_and_wildcards()
    {
        var live = LiveDeployment(Entry("kubectl-set", "f:spec:\n  f:template:\n    f:spec:\n      f:containers:\n        'k:{\"name\":\"web\"}':\n          f:image: {}"))
            .Swap("image: registry.example.com/web:1.0.0", "image: registry.example.com/web:9.9.9");
        var desired = Annotated("/spec/template/spec/containers[name=*]/image");

        Assert.Empty(Drifts.Check(desired, LiveAnnotated(live, "/spec/template/spec/containers[name=*]/image")).Drifts);
    }

    [Fact]
    public void An_ignore_annotation_is_used_on_live_json_as_on_a_whole_comparison()
    {
        var desired = Drifts.Load("desired.yaml", Annotated("/spec/replicas")).Manifests.Single();
        var live = Drifts.Load("live.yaml", LiveAnnotated(Scaled, "/spec/replicas")).Manifests.Single();
        var key = new ResourceKey("apps", "Deployment", "shop", "web");

        Assert.Empty(new DriftEngine().CompareResource(key, desired, live.ToUtf8Json(), live.Location));
    }

    [Theory]
    [InlineData("spec/replicas", "'spec/replicas' is not a drift path")]
    [InlineData("/spec/replicas,,/metadata/labels", "an empty path")]
    [InlineData("/spec/replicas,", "an empty path")]
    [InlineData("", "an empty path")]
    [InlineData("/spec//replicas", "is not a drift path")]
    [InlineData("/spec/ports[port]", "is not a drift path")]
    public void A_malformed_ignore_annotation_is_an_error_naming_the_file_and_line_and_ignores_nothing(string paths, string message)
    {
        var result = new DriftEngine().Check(Drifts.Load("apps/web.yaml", Annotated(paths)).Manifests, Drifts.Load("live.yaml", LiveAnnotated(Scaled, paths)).Manifests);

        var error = Assert.Single(result.Errors);
        Assert.Equal(("apps/web.yaml", 9), (error.Source, error.Line));
        Assert.Contains("driftfabric.io/ignore", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(["apps/Deployment/shop/web /spec/replicas Modified"], Drifts.Lines(result.Drifts));
    }

    [Fact]
    public void Paths_are_separated_by_commas_and_lines_but_a_port_selector_keeps_its_comma()
    {
        var manifest = Drifts.Load("desired.yaml", DesiredDeployment.Swap(
            "  labels:\n    app: web\nspec:",
            "  labels:\n    app: web\n  annotations:\n    driftfabric.io/ignore: |\n      /spec/replicas\n      /spec/ports[port=53,protocol=UDP], /metadata/labels/team\nspec:")).Manifests.Single();

        Assert.Null(manifest.IgnoreAnnotationError);
        Assert.Equal(["/spec/replicas", "/spec/ports[port=53,protocol=UDP]", "/metadata/labels/team"], manifest.IgnoredPaths.Select(p => p.Text));
    }
}
