using System.Text.Json.Nodes;

namespace DriftFabric.KubeSim.Tests;

/// <summary>The patch formats as the API server applies them, case by case, on built-in kinds' fields.</summary>
public sealed class PatchDocumentsTests
{
    private const string Pod = """
        {"spec":{"containers":[
          {"name":"web","image":"web:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"args":["--x","--y"],
           "ports":[{"containerPort":80},{"containerPort":443}],"volumeMounts":[{"mountPath":"/data","name":"data"}]},
          {"name":"sidecar","image":"proxy:1"}],
          "volumes":[{"name":"data","emptyDir":{}}],
          "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}},
         "metadata":{"finalizers":["a","b"],"labels":{"app":"web","tier":"front"}}}
        """;

    private static string Strategic(string patch) =>
        PatchDocuments.StrategicMergePatch(JsonNode.Parse(Pod)!.AsObject(), JsonNode.Parse(patch)!.AsObject())?.ToJsonString() ?? "refused";

    private static JsonNode? At(string json, string pointer)
    {
        JsonNode? node = JsonNode.Parse(json);
        foreach (var segment in pointer.Trim('/').Split('/'))
        {
            node = int.TryParse(segment, out var index) ? node![index] : node![segment];
        }

        return node;
    }

    [Fact]
    public void Keyed_lists_merge_by_their_patch_merge_key_and_keep_the_elements_the_patch_does_not_name()
    {
        var result = Strategic("""{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"20"},{"name":"C","value":"3"}]}]}}""");

        Assert.Equal("""[{"name":"A","value":"1"},{"name":"B","value":"20"},{"name":"C","value":"3"}]""", At(result, "/spec/containers/0/env")!.ToJsonString());
        Assert.Equal("proxy:1", At(result, "/spec/containers/1/image")!.GetValue<string>());
    }

    [Fact]
    public void Ports_merge_by_container_port_and_volume_mounts_by_mount_path()
    {
        var result = Strategic("""{"spec":{"containers":[{"name":"web","ports":[{"containerPort":443,"name":"https"}],"volumeMounts":[{"mountPath":"/data","readOnly":true}]}],"volumes":[{"name":"cache","emptyDir":{}}]}}""");

        Assert.Equal("""[{"containerPort":80},{"containerPort":443,"name":"https"}]""", At(result, "/spec/containers/0/ports")!.ToJsonString());
        Assert.Equal("""[{"mountPath":"/data","name":"data","readOnly":true}]""", At(result, "/spec/containers/0/volumeMounts")!.ToJsonString());
        Assert.Equal(["data", "cache"], At(result, "/spec/volumes")!.AsArray().Select(v => v!["name"]!.GetValue<string>()));
    }

    [Fact]
    public void A_list_without_a_merge_key_is_replaced_whole()
    {
        var result = Strategic("""{"spec":{"containers":[{"name":"web","args":["--z"]}]}}""");

        Assert.Equal("""["--z"]""", At(result, "/spec/containers/0/args")!.ToJsonString());
    }

    [Fact]
    public void Patch_delete_removes_a_keyed_element_or_a_map_and_null_removes_a_field()
    {
        var result = Strategic("""{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}],"strategy":{"rollingUpdate":{"$patch":"delete"}}},"metadata":{"labels":{"tier":null}}}""");

        Assert.Equal(["web"], At(result, "/spec/containers")!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("""{"type":"RollingUpdate"}""", At(result, "/spec/strategy")!.ToJsonString());
        Assert.Equal("""{"app":"web"}""", At(result, "/metadata/labels")!.ToJsonString());
    }

    [Fact]
    public void Patch_replace_replaces_a_map_or_a_keyed_list_with_the_patch_alone()
    {
        var map = Strategic("""{"metadata":{"labels":{"$patch":"replace","only":"this"}}}""");
        var list = Strategic("""{"spec":{"containers":[{"name":"web","env":[{"name":"Z","value":"26"},{"$patch":"replace"}]}]}}""");

        Assert.Equal("""{"only":"this"}""", At(map, "/metadata/labels")!.ToJsonString());
        Assert.Equal("""[{"name":"Z","value":"26"}]""", At(list, "/spec/containers/0/env")!.ToJsonString());
    }

    [Fact]
    public void Set_element_order_orders_the_merged_list_as_the_patch_says()
    {
        var result = Strategic("""{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"web"}],"containers":[{"name":"web","image":"web:2"}]}}""");

        Assert.Equal(["sidecar", "web"], At(result, "/spec/containers")!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("web:2", At(result, "/spec/containers/1/image")!.GetValue<string>());
    }

    [Fact]
    public void Retain_keys_drops_the_keys_of_a_map_it_does_not_list()
    {
        var result = Strategic("""{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}""");

        Assert.Equal("""{"type":"Recreate"}""", At(result, "/spec/strategy")!.ToJsonString());
    }

    [Fact]
    public void Delete_from_primitive_list_removes_values_and_finalizers_merge_as_a_set()
    {
        var deleted = Strategic("""{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}""");
        var merged = Strategic("""{"metadata":{"finalizers":["b","c"]}}""");

        Assert.Equal("""["b"]""", At(deleted, "/metadata/finalizers")!.ToJsonString());
        Assert.Equal("""["a","b","c"]""", At(merged, "/metadata/finalizers")!.ToJsonString());
    }

    [Fact]
    public void An_element_of_a_keyed_list_without_its_key_is_refused()
    {
        Assert.Equal("refused", Strategic("""{"spec":{"containers":[{"image":"web:2"}]}}"""));
    }

    [Fact]
    public void Json_merge_patch_merges_maps_removes_nulls_and_replaces_lists()
    {
        var result = PatchDocuments.MergePatch(JsonNode.Parse(Pod), JsonNode.Parse("""{"metadata":{"labels":{"tier":null,"team":"a"},"finalizers":["z"]}}"""))!.ToJsonString();

        Assert.Equal("""{"app":"web","team":"a"}""", At(result, "/metadata/labels")!.ToJsonString());
        Assert.Equal("""["z"]""", At(result, "/metadata/finalizers")!.ToJsonString());
        Assert.Equal(2, At(result, "/spec/containers")!.AsArray().Count);
    }

    [Theory]
    [InlineData("""[{"op":"add","path":"/metadata/labels/team","value":"a"}]""", "/metadata/labels/team", "\"a\"")]
    [InlineData("""[{"op":"replace","path":"/spec/containers/0/image","value":"web:3"}]""", "/spec/containers/0/image", "\"web:3\"")]
    [InlineData("""[{"op":"add","path":"/metadata/finalizers/-","value":"c"}]""", "/metadata/finalizers/2", "\"c\"")]
    [InlineData("""[{"op":"move","from":"/metadata/labels/tier","path":"/metadata/labels/layer"}]""", "/metadata/labels/layer", "\"front\"")]
    [InlineData("""[{"op":"copy","from":"/metadata/labels/app","path":"/metadata/labels/name"}]""", "/metadata/labels/name", "\"web\"")]
    [InlineData("""[{"op":"test","path":"/metadata/labels/app","value":"web"},{"op":"remove","path":"/metadata/finalizers/0"}]""", "/metadata/finalizers/0", "\"b\"")]
    public void Json_patch_applies_its_operations_in_order(string patch, string pointer, string expected)
    {
        var result = PatchDocuments.JsonPatch(JsonNode.Parse(Pod)!.AsObject(), JsonNode.Parse(patch)!.AsArray());

        Assert.Equal(expected, At(result!.ToJsonString(), pointer)!.ToJsonString());
    }

    [Theory]
    [InlineData("""[{"op":"test","path":"/metadata/labels/app","value":"api"}]""")]
    [InlineData("""[{"op":"replace","path":"/spec/nothing","value":1}]""")]
    [InlineData("""[{"op":"remove","path":"/metadata/labels/none"}]""")]
    [InlineData("""[{"op":"add","path":"/no/such/parent","value":1}]""")]
    public void A_json_patch_that_does_not_apply_is_refused(string patch)
    {
        Assert.Null(PatchDocuments.JsonPatch(JsonNode.Parse(Pod)!.AsObject(), JsonNode.Parse(patch)!.AsArray()));
    }
}
