using System.Text.Json;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Engine.Tests.Model;

/// <summary>Live objects are compared as parsed JSON: the same rules as for node trees, read in place.</summary>
public class LiveJsonTests
{
    [Theory]
    [InlineData("\"a\"", "\"a\"", true)]
    [InlineData("3", "3.0", true)]
    [InlineData("3", "\"3\"", false)]
    [InlineData("true", "true", true)]
    [InlineData("true", "\"true\"", false)]
    [InlineData("1e400", "1e400", true)]
    [InlineData("0.1", "0.10", true)]
    [InlineData("null", "null", true)]
    public void Scalars_compare_as_nodes_do(string nodeJson, string liveJson, bool equal)
    {
        var node = Assert.IsType<ScalarNode>(JsonReader.ReadValues(System.Text.Encoding.UTF8.GetBytes(nodeJson))[0]);
        using var live = JsonDocument.Parse(liveJson);

        Assert.Equal(equal, JsonNodes.ValueEquals(node, live.RootElement));
        Assert.Equal(equal, node.ValueEquals(JsonNodes.ToScalar(live.RootElement)));
    }

    [Theory]
    [InlineData("null", true)]
    [InlineData("\"\"", true)]
    [InlineData("{}", true)]
    [InlineData("[]", true)]
    [InlineData("0", false)]
    [InlineData("\" \"", false)]
    public void Empties_are_the_same_as_for_nodes(string json, bool empty)
    {
        using var live = JsonDocument.Parse(json);
        Assert.Equal(empty, JsonNodes.IsEmpty(live.RootElement));
        Assert.Equal(empty, JsonNodes.ToNode(live.RootElement).IsEmpty);
    }

    [Fact]
    public void A_manifest_read_in_place_has_the_identity_of_the_tree()
    {
        using var live = JsonDocument.Parse("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"}}""");
        var manifest = new Manifest(live.RootElement, new SourceLocation("live", 0));

        Assert.Equal(("apps", "Deployment", "web", "shop"), (manifest.Group, manifest.Kind, manifest.Name, manifest.Namespace));
        Assert.Equal("web", manifest.Root.GetMap("metadata")!.GetString("name"));
    }

    [Fact]
    public void Ownership_finds_list_elements_by_escaped_keys_and_reads_times_without_offset_as_utc()
    {
        using var live = JsonDocument.Parse("""
            {"metadata":{"managedFields":[
              {"manager":"kubectl-edit","operation":"Update","time":"2026-11-02T03:12:44","fieldsV1":
                {"f:spec":{"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:targetPort":{}}}}}}]},
             "spec":{"ports":[{"port":80,"protocol":"TCP","targetPort":8080}]}}
            """);
        var ownership = FieldOwnership.From(live.RootElement, ManagerClassifier.Default)!;
        var (element, elementAt) = Ownership.OwnerLookupTests.Walk(live.RootElement, "/spec/ports[port=80]");
        var (targetPort, targetPortAt) = Ownership.OwnerLookupTests.Walk(live.RootElement, "/spec/ports[port=80]/targetPort");
        var (name, nameAt) = Ownership.OwnerLookupTests.Walk(live.RootElement, "/spec/ports[port=80]/name");

        Assert.True(ownership.HasOutOfBand);
        Assert.Equal(0, ownership.MadeBy(element, elementAt));
        Assert.Equal(0, ownership.OwnerOf(targetPort, targetPortAt));
        Assert.Equal(-1, ownership.OwnerOf(name, nameAt));
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 3, 12, 44, TimeSpan.Zero), ownership.Entries[0].Time);
    }

    [Theory]
    [InlineData("kubectl", "Apply", false)]
    [InlineData("kubectl", "Update", true)]
    [InlineData("argocd-controller", "Update", false)]
    [InlineData("kubectl-edit", "Update", true)]
    public void Out_of_band_managers_are_found_from_names_and_operations(string manager, string operation, bool outOfBand)
    {
        using var live = JsonDocument.Parse($$$"""{"metadata":{"managedFields":[{"manager":"{{{manager}}}","operation":"{{{operation}}}"}]}}""");

        Assert.Equal(outOfBand, FieldOwnership.From(live.RootElement, ManagerClassifier.Default)!.HasOutOfBand);
    }

    [Fact]
    public void A_secret_value_that_is_not_base64_is_compared_as_text_and_reported_by_digest()
    {
        // "not base64!" stands for itself, which is what the live value decodes to: no drift.
        Assert.Empty(new DriftEngine().CompareResource(
            new ResourceKey("core", "Secret", "shop", "api"),
            Manifest("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"api","namespace":"shop"},"data":{"key":"not base64!"}}"""),
            Manifest("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"api","namespace":"shop"},"data":{"key":"bm90IGJhc2U2NCE="}}""")));
        var other = Assert.Single(new DriftEngine().CompareResource(
            new ResourceKey("core", "Secret", "shop", "api"),
            Manifest("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"api","namespace":"shop"},"data":{"key":"not base64?"}}"""),
            Manifest("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"api","namespace":"shop"},"data":{"key":"bm90IGJhc2U2NCE="}}""")));

        Assert.Equal("/data/key", other.Path);
        Assert.StartsWith("\"sha256:", other.Desired!.ToJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("base64", other.Desired!.ToJson() + other.Live!.ToJson(), StringComparison.Ordinal);
    }

    private static Manifest Manifest(string json) => new((MapNode)JsonReader.ReadValues(System.Text.Encoding.UTF8.GetBytes(json))[0], new SourceLocation("test", 0));
}
