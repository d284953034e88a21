using DriftFabric.Engine.Defaults;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Tests.Defaults;

/// <summary>
/// A custom resource's defaults come from its CRD's structural schema when the CRD is known:
/// declared in the code, or listed live (drift semantics v2, Appendix A).
/// </summary>
public class CustomResourceDefaultsTests
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
                    properties:
                      replicas: {type: integer, default: 1}
                      mode: {type: string, default: lru}
                      tiers:
                        type: array
                        items:
                          type: object
                          properties:
                            size: {type: string}
                            evictAfter: {type: string, default: 10m}
          - name: v2
            served: true
            storage: false
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      mode: {type: string, default: lfu}
        """;

    private const string Desired = """
        apiVersion: example.com/v1
        kind: Cache
        metadata: {name: sessions, namespace: shop}
        spec:
          tiers: [{size: 1Gi}]
        """;

    /// <summary>Created by hand, so its creator owns every default the server filled in from the schema.</summary>
    private const string Live = """
        {"apiVersion":"example.com/v1","kind":"Cache","metadata":{"name":"sessions","namespace":"shop","managedFields":[
          {"manager":"kubectl-create","operation":"Update","time":"2026-11-02T03:00:00Z","fieldsV1":{"f:spec":{".":{},"f:replicas":{},"f:mode":{},"f:tiers":{}}}}]},
         "spec":{"replicas":1,"mode":"lru","tiers":[{"size":"1Gi","evictAfter":"10m"}]}}
        """;

    [Fact]
    public void Custom_resource_defaults_come_from_a_crd_the_code_declares()
    {
        Assert.DoesNotContain(Drifts.Check(Desired + "\n---\n" + Crd, Live).Drifts, d => d.Resource.Kind == "Cache");
    }

    [Fact]
    public void Custom_resource_defaults_come_from_a_crd_listed_live()
    {
        var crdLive = Drifts.Load("crd.yaml", Crd).Manifests;
        var result = new DriftEngine().Check(Drifts.Load("desired.yaml", Desired).Manifests, [.. Drifts.Load("live.yaml", Live).Manifests, .. crdLive]);

        Assert.Empty(result.Drifts);
    }

    [Fact]
    public void Without_its_crd_a_custom_resource_has_no_defaults()
    {
        var drifts = Drifts.Of(Desired, Live);

        // The creator rewrote tiers whole (an atomic list): without the schema, evictAfter is a field the code lacks.
        Assert.Equal(
            ["example.com/Cache/shop/sessions /spec/mode Added", "example.com/Cache/shop/sessions /spec/replicas Added", "example.com/Cache/shop/sessions /spec/tiers Modified"],
            Drifts.Lines(drifts));
    }

    [Theory]
    [InlineData("example.com/v1", "\"lru\"", true)]
    [InlineData("example.com/v2", "\"lru\"", false)]
    [InlineData("example.com/v2", "\"lfu\"", true)]
    [InlineData(null, "\"lru\"", true)]
    public void Each_version_of_a_crd_has_its_own_defaults_and_the_storage_version_stands_for_any(string? apiVersion, string value, bool isDefault)
    {
        var schemas = ResourceSchemas.BuiltIn.WithCustomResources(Drifts.Load("crd.yaml", Crd).Manifests);
        var key = new ResourceKey("example.com", "Cache", "shop", "sessions");
        var root = schemas.RootOf(key, apiVersion);

        Assert.Equal(isDefault, ResourceSchemas.IsDefault(root, key, PathStep.Parse("/spec/mode", out _)!, Parse(value), null));
    }

    [Fact]
    public void A_crd_cannot_change_a_built_in_kinds_defaults()
    {
        var hostile = Crd.Replace("group: example.com", "group: apps", StringComparison.Ordinal).Replace("kind: Cache", "kind: Deployment", StringComparison.Ordinal);
        var schemas = ResourceSchemas.BuiltIn.WithCustomResources(Drifts.Load("crd.yaml", hostile).Manifests);
        var key = new ResourceKey("apps", "Deployment", "shop", "web");

        Assert.True(ResourceSchemas.IsDefault(schemas.RootOf(key, "apps/v1"), key, PathStep.Parse("/spec/replicas", out _)!, Parse("1"), null));
        Assert.False(ResourceSchemas.IsDefault(schemas.RootOf(key, "apps/v1"), key, PathStep.Parse("/spec/mode", out _)!, Parse("\"lru\""), null));
    }

    private static DriftFabric.Engine.Model.Node Parse(string json) => DriftFabric.Engine.Parsing.JsonReader.ReadValues(System.Text.Encoding.UTF8.GetBytes(json)).Single();
}
