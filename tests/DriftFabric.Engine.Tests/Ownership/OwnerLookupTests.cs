using System.Text.Json;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Tests.Ownership;

/// <summary>
/// A drift's owner is found by following each managedFields entry alone (no trie); it must name
/// the same owner as walking the merged trie, at every field and element of every live object.
/// </summary>
public class OwnerLookupTests
{
    [Fact]
    public void The_owner_found_entry_by_entry_is_the_owner_the_trie_names_everywhere()
    {
        var compared = 0;
        var overlapping = WriteOverlapping();
        try
        {
            compared = Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "corpus"), "live.json", SearchOption.AllDirectories)
                .Append(overlapping).Sum(CompareAll);
        }
        finally
        {
            File.Delete(overlapping);
        }

        Assert.True(compared > 500, $"{compared} fields compared");
    }

    private static int CompareAll(string file)
    {
        var compared = 0;
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            var items = document.RootElement.TryGetProperty("items", out var list) ? list.EnumerateArray().ToList() : [document.RootElement];
            foreach (var item in items)
            {
                if (FieldOwnership.From(item, ManagerClassifier.Default) is not { } ownership)
                {
                    continue;
                }

                compared += Walk(ownership, item, ownership.Cursor, [], []);
            }
        }

        return compared;
    }

    private static int Walk(FieldOwnership ownership, JsonElement live, OwnerCursor cursor, List<PathStep> path, List<JsonElement> liveAt)
    {
        var compared = 0;
        if (path.Count > 0)
        {
            Assert.True(cursor.Owner == ownership.OwnerOf(path, liveAt), $"owner of {PathStep.Format(path)}: trie {cursor.Owner}, entries {ownership.OwnerOf(path, liveAt)}");
            compared++;
        }

        if (live.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in live.EnumerateObject())
            {
                path.Add(PathStep.Field(property.Name));
                liveAt.Add(default);
                compared += Walk(ownership, property.Value, cursor.Field(property.Name), path, liveAt);
                path.RemoveAt(path.Count - 1);
                liveAt.RemoveAt(liveAt.Count - 1);
            }
        }
        else if (live.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var element in live.EnumerateArray())
            {
                path.Add(PathStep.Element("#", (index++).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                liveAt.Add(element);
                compared += Walk(ownership, element, cursor.Element(element), path, liveAt);
                path.RemoveAt(path.Count - 1);
                liveAt.RemoveAt(liveAt.Count - 1);
            }
        }

        return compared;
    }

    /// <summary>Entries that overlap: a newer leaf over an older entry's fields, keyed elements owned by two managers, no times.</summary>
    private static string WriteOverlapping()
    {
        var path = Path.Combine(Path.GetTempPath(), $"owners-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","managedFields":[
              {"manager":"hpa-operator","operation":"Update","time":"2026-11-20T03:00:00Z","fieldsV1":{"f:spec":{"f:replicas":{}}}},
              {"manager":"argocd-controller","operation":"Apply","time":"2026-11-01T00:00:00Z","fieldsV1":{"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{
                "k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:env":{"k:{\"name\":\"A\"}":{".":{},"f:value":{}}}}}}}}}},
              {"manager":"kubectl-edit","operation":"Update","time":"2026-11-21T00:00:00Z","fieldsV1":{"f:spec":{"f:template":{"f:spec":{"f:containers":{
                "k:{\"name\":\"web\"}":{"f:env":{}}}}}}}},
              {"manager":"no-time","operation":"Update","fieldsV1":{"f:metadata":{"f:labels":{}}}},
              {"manager":"status-writer","operation":"Update","subresource":"status","time":"2026-11-21T00:00:00Z","fieldsV1":{"f:status":{"f:replicas":{}}}}]},
             "spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"web","image":"web:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},{"name":"side","image":"s:1"}]}}},
             "status":{"replicas":3}}
            """);
        return path;
    }
}
