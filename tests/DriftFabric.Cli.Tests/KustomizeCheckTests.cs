using System.Globalization;
using DriftFabric.Cli.Commands;
using DriftFabric.Cli.Tests.Support;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Cli.Tests;

/// <summary><c>check --desired</c> on a Kustomize layout (its objects name no namespace: <c>_</c> in resource keys) (Online Boutique's, rendered by the real kubectl) against the rendered output with edits.</summary>
public sealed class KustomizeCheckTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>An overlay of our own over the published base: a component changing every image's tag, a patch setting the frontend's replicas.</summary>
    private string WriteOverlay()
    {
        KustomizeLayouts.CopyOnlineBoutique(_dir, "layout");
        _dir.Write("overlays/prod/kustomization.yaml", KustomizeLayouts.Overlay(
            ["../../layout/base"],
            ["../../layout/components/container-images-tag"],
            "patches:\n- target: {kind: Deployment, name: frontend}\n  patch: |-\n    - op: add\n      path: /spec/replicas\n      value: 5\n"));
        return _dir.PathOf("overlays/prod");
    }

    [Fact]
    public async Task An_overlay_with_a_component_on_is_judged_as_rendered_and_a_drift_names_the_file_the_object_came_from()
    {
        var overlay = WriteOverlay();
        var rendered = await KustomizeLayouts.RenderAsync(overlay);
        var live = _dir.Write("live.yaml", rendered
            .Replace("replicas: 5", "replicas: 2", StringComparison.Ordinal)
            .Replace("cartservice:CONTAINER_IMAGES_TAG", "cartservice:v0.10.6-debug", StringComparison.Ordinal));

        var run = CheckRunner.Check(overlay, live);

        Assert.Empty(run.Errors);
        Assert.Equal(2, run.ExitCode);
        var replicas = run.Drift("apps/Deployment/_/frontend", "/spec/replicas");
        Assert.Equal(5, replicas.GetProperty("desired").GetInt32());
        Assert.Equal(2, replicas.GetProperty("live").GetInt32());
        Assert.Equal(_dir.PathOf("layout/base/frontend.yaml"), replicas.GetProperty("source").GetProperty("file").GetString());
        var image = Assert.Single(run.Drifts, d => d.GetProperty("resource").GetString() == "apps/Deployment/_/cartservice");
        Assert.EndsWith("cartservice:CONTAINER_IMAGES_TAG", image.GetProperty("desired").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, run.Drifts.Count);
    }

    [Fact]
    public async Task The_rendered_overlay_against_its_own_render_is_in_sync()
    {
        var overlay = WriteOverlay();
        var live = _dir.Write("live.yaml", await KustomizeLayouts.RenderAsync(overlay));

        var run = CheckRunner.Check(overlay, live);

        Assert.Empty(run.Errors);
        Assert.Empty(run.Drifts);
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task A_kustomization_that_fails_to_render_exits_1_naming_its_directory_and_the_rest_is_reported()
    {
        var overlay = WriteOverlay();
        var live = _dir.Write("live.yaml", (await KustomizeLayouts.RenderAsync(overlay)).Replace("replicas: 5", "replicas: 2", StringComparison.Ordinal));
        _dir.Write("broken/kustomization.yaml", "resources: [missing-ingress.yaml]\n");
        using var output = new StringWriter(CultureInfo.InvariantCulture);

        var exitCode = CheckCommand.Run(new CheckOptions([overlay, _dir.PathOf("broken")], [live], null, "json", Severity.Low), output);
        var run = new CheckRun(exitCode, output.ToString());

        Assert.Equal(1, run.ExitCode);
        var error = Assert.Single(run.Errors);
        Assert.Equal(_dir.PathOf("broken"), error.GetProperty("source").GetString());
        Assert.Contains("missing-ingress.yaml", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        run.Drift("apps/Deployment/_/frontend", "/spec/replicas");
    }

    [Fact]
    public async Task Sarif_points_a_rendered_drift_at_its_origin_file_without_a_line()
    {
        var overlay = WriteOverlay();
        var live = _dir.Write("live.yaml", (await KustomizeLayouts.RenderAsync(overlay)).Replace("replicas: 5", "replicas: 2", StringComparison.Ordinal));

        var run = CheckRunner.Check(overlay, live, format: "sarif");

        var result = Assert.Single(run.Json.GetProperty("runs")[0].GetProperty("results").EnumerateArray());
        var location = result.GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.EndsWith("layout/base/frontend.yaml", location.GetProperty("artifactLocation").GetProperty("uri").GetString(), StringComparison.Ordinal);
        Assert.False(location.TryGetProperty("region", out _));
    }
}
