using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;

namespace DriftFabric.Grains.Tests;

/// <summary>
/// The v2 drift rules that depend on more than one object hold in the fabric as in <c>check</c>:
/// a custom resource's defaults come from its CRD (in the code, in a live snapshot, or served by
/// a watched API server), and a desired object's <c>driftfabric.io/ignore</c> annotation applies
/// to it, a malformed one being a cluster error that names its file and line.
/// </summary>
[Collection(FabricTests.Name)]
public sealed class SemanticsInFabricTests(FabricFixture fabric)
{
    private const string Crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: caches.example.com}
        spec:
          group: example.com
          scope: Namespaced
          names: {kind: Cache, plural: caches}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    description: What a cache holds and how long.
                    properties:
                      replicas: {type: integer, default: 1}
                      mode: {type: string, default: lru, description: Eviction order.}
        """;

    private const string DesiredCache = """
        apiVersion: example.com/v1
        kind: Cache
        metadata: {name: sessions, namespace: shop}
        spec:
          size: 1Gi
        """;

    /// <summary>Created by hand: its creator owns every default the API server filled in from the schema.</summary>
    private const string LiveCache = """
        {"apiVersion":"example.com/v1","kind":"Cache","metadata":{"name":"sessions","namespace":"shop","managedFields":[
          {"manager":"kubectl-create","operation":"Update","time":"2026-11-02T03:00:00Z","fieldsV1":{"f:spec":{".":{},"f:size":{},"f:replicas":{},"f:mode":{}}}}]},
         "spec":{"size":"1Gi","replicas":1,"mode":"lru"}}
        """;

    private static readonly string CrdJson = """
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"caches.example.com"},
         "spec":{"group":"example.com","scope":"Namespaced","names":{"kind":"Cache","plural":"caches"},"versions":[{"name":"v1","served":true,"storage":true,
           "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"replicas":{"type":"integer","default":1},"mode":{"type":"string","default":"lru"}}}}}}}]}}
        """;

    private async Task<IReadOnlyList<DriftRecord>> CacheDrifts(string tenant) =>
        await fabric.Client.GetGrain<IServiceGrain>($"{tenant}/prod/shop/sessions").GetDrifts();

    [Fact]
    public async Task A_custom_resource_is_judged_with_the_defaults_of_its_crd_in_the_code()
    {
        using var withCrd = TempFleet.Single("crd-in-code");
        withCrd.Write("desired/app.yaml", DesiredCache + "\n---\n" + Crd);
        withCrd.Write("live.json", Objects.List(LiveCache));
        using var without = TempFleet.Single("crd-unknown");
        without.Write("desired/app.yaml", DesiredCache);
        without.Write("live.json", Objects.List(LiveCache));

        await new FleetLoader(fabric.Client).LoadAsync(withCrd.SpecPath);
        await new FleetLoader(fabric.Client).LoadAsync(without.SpecPath);

        Assert.Empty(await CacheDrifts("crd-in-code"));
        Assert.Equal(["/spec/mode Added", "/spec/replicas Added"], (await CacheDrifts("crd-unknown")).Select(d => $"{d.Path} {d.Kind}"));
    }

    [Fact]
    public async Task A_custom_resource_is_judged_with_the_defaults_of_its_crd_in_a_live_snapshot()
    {
        using var fleet = TempFleet.Single("crd-in-snapshot");
        fleet.Write("desired/app.yaml", DesiredCache);
        fleet.Write("live.json", Objects.List(LiveCache, CrdJson));

        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);

        Assert.Empty(await CacheDrifts("crd-in-snapshot"));
    }

    [Fact]
    public async Task A_custom_resource_is_judged_with_the_defaults_its_watched_api_server_serves()
    {
        await using var server = await KubeApiServer.StartAsync([
            .. KubeResourceType.Defaults,
            new KubeResourceType("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", Namespaced: false),
            new KubeResourceType("example.com", "v1", "Cache", "caches")]);
        server.Put(CrdJson, manager: "helm");
        server.Put(LiveCache, manager: "kubectl-create");
        using var fleet = TempFleet.Single("crd-served");
        fleet.Write("desired/app.yaml", DesiredCache);
        fleet.WatchLive(server.KubeConfig());

        var result = await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);

        Assert.Equal(SourceState.Ok, result.Tenants[0].Clusters[0].Status.State);
        Assert.Empty(await CacheDrifts("crd-served"));
    }

    [Fact]
    public async Task An_ignore_annotation_in_the_code_drops_its_paths_in_the_fabric()
    {
        using var fleet = TempFleet.Single("ignore-annotation");
        var desired = Objects.DesiredDeployment("web", "shop", 2, "web:1");
        fleet.Write("desired/app.yaml", Annotate(desired, "/spec/replicas"));
        fleet.Write("live.json", Objects.List(Annotate(Objects.Deployment("web", "shop", 5, "web:1"), "/spec/replicas")));

        var result = await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);

        Assert.Equal(SourceState.Ok, result.Tenants[0].Clusters[0].Status.State);
        Assert.Equal(0, result.Tenants[0].Summary.Drifts);
    }

    [Fact]
    public async Task A_malformed_ignore_annotation_is_a_cluster_error_naming_the_file_and_line_and_ignores_nothing()
    {
        using var fleet = TempFleet.Single("ignore-malformed");
        fleet.Write("desired/app.yaml", Annotate(Objects.DesiredDeployment("web", "shop", 2, "web:1"), "spec/replicas"));
        fleet.Write("live.json", Objects.List(Annotate(Objects.Deployment("web", "shop", 5, "web:1"), "spec/replicas")));

        var result = await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);

        var cluster = result.Tenants[0].Clusters[0];
        Assert.Equal(SourceState.Degraded, cluster.Status.State);
        var error = Assert.Single(cluster.Status.Errors);
        Assert.Contains("app.yaml:", error, StringComparison.Ordinal);
        Assert.Contains("driftfabric.io/ignore: 'spec/replicas' is not a drift path", error, StringComparison.Ordinal);
        var drift = Assert.Single(await fabric.Client.GetGrain<IServiceGrain>("ignore-malformed/prod/shop/web").GetDrifts());
        Assert.Equal("/spec/replicas", drift.Path);
    }

    /// <summary>The object (YAML or JSON) with the ignore annotation set to <paramref name="paths"/>.</summary>
    private static string Annotate(string document, string paths) => document.TrimStart().StartsWith('{')
        ? document.Replace("\"metadata\":{", "\"metadata\":{\"annotations\":{\"driftfabric.io/ignore\":\"" + paths + "\"},", StringComparison.Ordinal)
        : document.Replace("metadata:\n", $"metadata:\n  annotations:\n    driftfabric.io/ignore: '{paths}'\n", StringComparison.Ordinal);
}
