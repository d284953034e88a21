using System.Text.Json;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Tests.Ownership;

/// <summary>
/// A field's owner is the newest managedFields entry that names it, else the newest that owns
/// one of its parents whole; found by following each entry's fieldsV1 alone.
/// </summary>
public class OwnerLookupTests
{
    // Entries that overlap: a newer leaf over an older entry's fields, keyed elements owned by two managers, an entry without a time.
    private const string Overlapping = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"x":"1"},"managedFields":[
          {"manager":"hpa-operator","operation":"Update","time":"2026-11-20T03:00:00Z","fieldsV1":{"f:spec":{"f:replicas":{}}}},
          {"manager":"argocd-controller","operation":"Apply","time":"2026-11-01T00:00:00Z","fieldsV1":{"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{
            "k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:env":{"k:{\"name\":\"A\"}":{".":{},"f:value":{}}},"f:ports":{"k:{\"containerPort\":53,\"protocol\":\"UDP\"}":{".":{},"f:name":{}}}}}}}}}},
          {"manager":"kubectl-edit","operation":"Update","time":"2026-11-21T00:00:00Z","fieldsV1":{"f:spec":{"f:template":{"f:spec":{"f:containers":{
            "k:{\"name\":\"web\"}":{"f:env":{}}}}}}}},
          {"manager":"no-time","operation":"Update","fieldsV1":{"f:metadata":{"f:labels":{}}}},
          {"manager":"status-writer","operation":"Update","subresource":"status","time":"2026-11-21T00:00:00Z","fieldsV1":{"f:status":{"f:replicas":{}}}}]},
         "spec":{"replicas":3,"template":{"spec":{"containers":[
           {"name":"web","image":"web:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"ports":[{"containerPort":53,"name":"dns"},{"containerPort":53,"protocol":"UDP","name":"dns-udp"}]},
           {"name":"side","image":"s:1"}]}}},
         "status":{"replicas":3}}
        """;

    [Theory]
    [InlineData("/spec/replicas", "hpa-operator")]
    [InlineData("/spec/template/spec/containers[name=web]/image", "argocd-controller")]
    [InlineData("/spec/template/spec/containers[name=web]/env", "kubectl-edit")]
    [InlineData("/spec/template/spec/containers[name=web]/env[name=A]/value", "argocd-controller")]
    [InlineData("/spec/template/spec/containers[name=web]/env[name=B]/value", "kubectl-edit")]
    [InlineData("/spec/template/spec/containers[name=web]/ports[containerPort=53,protocol=UDP]/name", "argocd-controller")]
    [InlineData("/spec/template/spec/containers[name=web]/ports[containerPort=53]/name", null)]
    [InlineData("/spec/template/spec/containers[name=side]/image", null)]
    [InlineData("/metadata/labels/x", "no-time")]
    [InlineData("/status/replicas", "status-writer")]
    public void The_owner_is_the_newest_entry_naming_the_field_else_owning_a_parent_whole(string path, string? manager)
    {
        using var live = JsonDocument.Parse(Overlapping);
        var ownership = FieldOwnership.From(live.RootElement, ManagerClassifier.Default)!;
        var (steps, liveAt) = Walk(live.RootElement, path);

        var owner = ownership.OwnerOf(steps, liveAt);

        Assert.Equal(manager, owner < 0 ? null : ownership.Entries[owner].Manager);
    }

    [Fact]
    public void An_element_is_made_by_the_entry_that_names_it_itself()
    {
        using var live = JsonDocument.Parse(Overlapping);
        var ownership = FieldOwnership.From(live.RootElement, ManagerClassifier.Default)!;

        var (web, webAt) = Walk(live.RootElement, "/spec/template/spec/containers[name=web]");
        var (side, sideAt) = Walk(live.RootElement, "/spec/template/spec/containers[name=side]");

        Assert.Equal("argocd-controller", ownership.Entries[ownership.MadeBy(web, webAt)].Manager);
        Assert.Equal(-1, ownership.MadeBy(side, sideAt));
    }

    /// <summary>The steps of a path and the live element at each element step (elements found by their key, ports by protocol too).</summary>
    internal static (PathStep[] Steps, JsonElement[] LiveAt) Walk(JsonElement root, string path)
    {
        var steps = PathStep.Parse(path, out var error) ?? throw new ArgumentException(error);
        var liveAt = new JsonElement[steps.Length];
        var node = root;
        for (var i = 0; i < steps.Length; i++)
        {
            if (steps[i].IsElement)
            {
                node = node.EnumerateArray().First(item => item.TryGetProperty(steps[i].KeyField!, out var key)
                    && steps[i].Selects(key.ValueKind == JsonValueKind.String ? key.GetString() : key.GetRawText(), item.TryGetProperty("protocol", out var p) ? p.GetString() : null));
                liveAt[i] = node;
            }
            else if (node.TryGetProperty(steps[i].Name, out var child))
            {
                node = child;
            }
        }

        return (steps, liveAt);
    }
}
