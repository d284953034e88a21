using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;

namespace DriftFabric.Grains.Tests.Fleet;

/// <summary>Clusters whose desired state is a Kustomize layout (Online Boutique's, rendered by the real kubectl) in the fabric.</summary>
[Collection(FabricTests.Name)]
public sealed class KustomizeClusterTests(FabricFixture fabric) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_kustomization_that_fails_to_render_degrades_its_cluster_only_and_a_rendered_one_is_judged()
    {
        KustomizeLayouts.CopyOnlineBoutique(_dir, "layout");
        _dir.Write("overlays/prod/kustomization.yaml", KustomizeLayouts.Overlay(
            ["../../layout/base"],
            ["../../layout/components/container-images-tag"],
            "patches:\n- target: {kind: Deployment, name: frontend}\n  patch: |-\n    - op: add\n      path: /spec/replicas\n      value: 5\n"));
        var rendered = await KustomizeLayouts.RenderAsync(_dir.PathOf("overlays/prod"));
        _dir.Write("live.yaml", rendered.Replace("replicas: 5", "replicas: 2", StringComparison.Ordinal));
        _dir.Write("broken/kustomization.yaml", "resources: [../layout/base, missing-ingress.yaml]\n");
        _dir.Write("driftfabric.yaml", """
            apiVersion: driftfabric.io/v1alpha1
            kind: Fleet
            tenants:
            - name: kustomized
              clusters:
              - name: prod
                desired: overlays/prod
                live: { snapshot: live.yaml }
                pollInterval: 10m
              - name: broken
                desired: broken
                live: { snapshot: live.yaml }
                pollInterval: 10m
            """);

        var loaded = await new FleetLoader(fabric.Client).LoadAsync(_dir.PathOf("driftfabric.yaml"));

        var clusters = Assert.Single(loaded.Tenants).Clusters;
        var prod = Assert.Single(clusters, c => c.Cluster == "prod");
        Assert.Equal(SourceState.Ok, prod.Status.State);
        Assert.Equal(1, prod.Summary.DriftedResources);
        var drift = Assert.Single(await fabric.Client.GetGrain<IServiceGrain>("kustomized/prod/_/frontend").GetDrifts());
        Assert.Equal(("apps/Deployment/_/frontend", "/spec/replicas"), (drift.Resource, drift.Path));
        Assert.Equal(_dir.PathOf("layout/base/frontend.yaml"), drift.Source);
        // Never rendered: nothing to keep, so failed (not an empty cluster where everything is unmanaged).
        var broken = Assert.Single(clusters, c => c.Cluster == "broken");
        Assert.Equal(SourceState.Failed, broken.Status.State);
        var error = Assert.Single(broken.Status.Errors);
        Assert.Contains(_dir.PathOf("broken"), error, StringComparison.Ordinal);
        Assert.Contains("missing-ingress.yaml", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kustomization_that_stops_rendering_degrades_its_cluster_and_keeps_the_last_rendered_state()
    {
        KustomizeLayouts.CopyOnlineBoutique(_dir, "layout");
        var overlay = KustomizeLayouts.Overlay(["../../layout/base"], []);
        _dir.Write("overlays/prod/kustomization.yaml", overlay);
        var rendered = await KustomizeLayouts.RenderAsync(_dir.PathOf("overlays/prod"));
        _dir.Write("live.yaml", rendered.Replace("cartservice:v0.10.6", "cartservice:v0.10.6-debug", StringComparison.Ordinal));
        _dir.Write("driftfabric.yaml", """
            apiVersion: driftfabric.io/v1alpha1
            kind: Fleet
            tenants:
            - name: kustomized-later
              clusters:
              - name: prod
                desired: overlays/prod
                live: { snapshot: live.yaml }
                pollInterval: 10m
            """);
        var good = Assert.Single(Assert.Single((await new FleetLoader(fabric.Client).LoadAsync(_dir.PathOf("driftfabric.yaml"))).Tenants).Clusters);
        var cluster = fabric.Client.GetGrain<IClusterGrain>("kustomized-later/prod");

        _dir.Write("overlays/prod/kustomization.yaml", KustomizeLayouts.Overlay(["../../layout/base", "missing-ingress.yaml"], []));
        var summary = await cluster.Reload();

        Assert.Equal((SourceState.Ok, 1), (good.Status.State, good.Summary.DriftedResources));
        Assert.Equal(SourceState.Degraded, summary.Status.State);
        var error = Assert.Single(summary.Status.Errors);
        Assert.Contains(_dir.PathOf("overlays/prod"), error, StringComparison.Ordinal);
        Assert.Equal(good.Summary, summary.Summary);
        Assert.Single(await fabric.Client.GetGrain<IServiceGrain>("kustomized-later/prod/_/cartservice").GetDrifts());
    }
}
