namespace DriftFabric.KubeSim.Tests;

/// <summary>Manifests read as <c>kubectl apply -f</c> reads them, for <c>--load</c>.</summary>
public sealed class KubeManifestsTests
{
    [Fact]
    public void Several_documents_and_lists_give_their_objects_with_yaml_scalars_typed()
    {
        var objects = KubeManifests.Read("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: a}
            data: {replicas: "3", enabled: "true"}
            ---
            # an empty document is skipped
            ---
            {"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "b"}, "spec": {"replicas": 3, "paused": false, "x": null}}]}
            """);

        Assert.Equal(["a", "b"], objects.Select(o => o["metadata"]!["name"]!.GetValue<string>()));
        Assert.Equal("""{"replicas":"3","enabled":"true"}""", objects[0]["data"]!.ToJsonString());
        Assert.Equal("""{"replicas":3,"paused":false,"x":null}""", objects[1]["spec"]!.ToJsonString());
    }
}
