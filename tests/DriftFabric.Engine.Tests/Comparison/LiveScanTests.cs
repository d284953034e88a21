using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Ownership;

namespace DriftFabric.Engine.Tests.Comparison;

/// <summary>
/// Live objects handed over as JSON bytes are first read by <see cref="LiveScan"/>, which settles
/// objects in sync and sends the rest to the comparer. Whatever the scan decides, the drifts must
/// be exactly those of comparing the whole parsed object: checked here on thousands of seeded
/// mutations of every corpus object (values changed, fields removed and added, lists reordered,
/// out-of-band managers, escaped and repeated names, repeated fieldsV1 members, broken JSON).
/// </summary>
public class LiveScanTests
{
    private static readonly SourceLocation LiveSource = new("live.json", 0);

    [Fact]
    public void Mutated_live_objects_get_the_drifts_of_a_whole_comparison()
    {
        var engine = new DriftEngine();
        var outcomes = new Dictionary<string, int>();
        var random = new Random(20261124);
        var pairs = CorpusPairs().ToList();
        Assert.True(pairs.Count > 40, $"{pairs.Count} corpus objects");
        foreach (var (key, desired, live) in pairs)
        {
            for (var i = 0; i < 90; i++)
            {
                var json = i == 0 ? live : Mutate(live, random);
                var outcome = Scan(key, desired, json);
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                Assert.Equal(Whole(engine, key, desired, json), Scanned(engine, key, desired, json));
            }
        }

        // The mutations reach every way the scan can go, each many times: in sync, fields whose
        // live values are read as nodes, fields with a live value parsed from its JSON, the whole object.
        Assert.All(
            [nameof(LiveScan.Outcome.InSync), AsValues, AsSubtrees, nameof(LiveScan.Outcome.Whole)],
            outcome => Assert.True(outcomes.GetValueOrDefault(outcome) > 200, $"{outcome}: {outcomes.GetValueOrDefault(outcome)}"));
    }

    [Fact]
    public void A_live_object_that_does_not_read_is_the_same_error_either_way()
    {
        var (key, desired, live) = CorpusPairs().First();
        var engine = new DriftEngine();
        foreach (var broken in new[] { live[..^1], [.. live, .. "{}"u8], "[1]"u8.ToArray(), "{\"a\":}"u8.ToArray() })
        {
            var whole = Record.Exception(() => Whole(engine, key, desired, broken));
            var scanned = Record.Exception(() => Scanned(engine, key, desired, broken));
            Assert.NotNull(whole);
            Assert.Equal(whole.GetType(), scanned?.GetType());
        }
    }

    [Theory]
    [InlineData("""{"f:spec":{"f:replicas":{}},"f:spec":{"f:paused":{}}}""", "/spec/replicas", true)]
    [InlineData("""{"f:spec":{"f:paused":{}},"f:spec":{"f:replicas":{}}}""", "/spec/replicas", false)]
    [InlineData("""{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{"f:image":{}},"k:{\"name\":\"web\"}":{"f:env":{}}}}}}}""", "/image", false)]
    [InlineData("""{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{"f:env":{}},"k:{\"name\":\"web\"}":{"f:image":{}}}}}}}""", "/image", true)]
    public void Repeated_fieldsV1_members_count_as_the_parser_counts_them(string controllerFields, string pathEnd, bool reported)
    {
        // A controller's entry hides the drifts of fields it owns: which of two repeated members
        // counts decides whether replicas (an f: member, the last counts) or the image (a k:
        // member, the first counts) is the controller's.
        var set = new ManifestSet();
        ManifestLoader.LoadYamlInto("desired.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec:
              replicas: 3
              template:
                spec:
                  containers:
                  - name: web
                    image: web:2
            """, set);
        var desired = Assert.Single(set.Manifests);
        var live = Encoding.UTF8.GetBytes("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","managedFields":[
              {"manager":"kubectl-client-side-apply","operation":"Update","time":"2026-11-01T00:00:00Z","fieldsV1":{"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{}}}}}}}},
              {"manager":"rollout-controller","operation":"Update","time":"2026-11-20T00:00:00Z","fieldsV1":@FIELDS}]},
             "spec":{"replicas":5,"template":{"spec":{"containers":[{"name":"web","image":"web:1"}]}}}}
            """.Replace("@FIELDS", controllerFields, StringComparison.Ordinal));
        var key = new ResourceKey("apps", "Deployment", "shop", "web");
        var engine = new DriftEngine();
        var scanned = Scanned(engine, key, desired, live);
        Assert.Equal(Whole(engine, key, desired, live), scanned);
        Assert.Equal(reported, scanned.Any(d => d.Split(' ')[1].EndsWith(pathEnd, StringComparison.Ordinal)));
        Assert.Equal(AsSubtrees, Scan(key, desired, live)); // the containers, a keyed list
    }

    [Theory]
    [InlineData("1.5e300", "15e299", false)]
    [InlineData("1.5e300", "1.6e300", true)]
    [InlineData("\"abc\"", "\"a\\u0062d\"", true)]
    public void Values_written_otherwise_in_live_json_compare_by_value(string desired, string live, bool drifts)
    {
        // The texts differ, so the scan cannot settle them: the comparer judges them as fields.
        const string Widget = """{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"shop"},"spec":{"value":@}}""";
        var (found, way) = BothWays(new ResourceKey("example.com", "Widget", "shop", "w"), Widget, desired, live);
        Assert.Equal(drifts, found.Length == 1);
        Assert.Equal(AsValues, way);
    }

    [Theory]
    [InlineData("""[{"max":{"cpu":"1"}}]""", """[{"max":{"cpu":"1000m"},"type":"Container"}]""", false, "Values")]
    [InlineData("""[{"max":{"cpu":"1"}}]""", """[{"max":{"cpu":"2"}}]""", true, "Values")]
    [InlineData("""[{"max":{"cpu":"1"}}]""", """[{"max":{"cpu":"1"}},{"max":{"cpu":"1"}}]""", true, "Values")]
    [InlineData("""[{"max":{"cpu":"1"}}]""", """{"max":{"cpu":"1"}}""", true, "Values")]
    [InlineData("""[{"max":{"cpu":"1"}}]""", """[{"max":{"cpu":"2","cpu":"1"}}]""", false, "Subtrees")]
    [InlineData("""[{"max":{"cpu":"1"}}]""", """[{"max":{"cpu":"1","cpu":"2"}}]""", true, "Subtrees")]
    public void Atomic_lists_are_read_as_nodes_unless_a_member_is_written_twice(string desired, string live, bool drifts, string way)
    {
        // A LimitRange's limits are matched as a whole, their quantities by value.
        const string Range = """{"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"l","namespace":"shop"},"spec":{"limits":@}}""";
        var (found, taken) = BothWays(new ResourceKey(ResourceKey.CoreGroup, "LimitRange", "shop", "l"), Range, desired, live);
        Assert.Equal(drifts, found.Length == 1);
        Assert.Equal(way, taken);
    }

    /// <summary>Desired and live made from one JSON template (<c>@</c> the value), compared both ways (which must agree): the drifts, and the way the scan went.</summary>
    private static (string[] Drifts, string Way) BothWays(ResourceKey key, string template, string desired, string live)
    {
        var set = new ManifestSet();
        ManifestLoader.LoadBytesInto("desired.json", Encoding.UTF8.GetBytes(template.Replace("@", desired, StringComparison.Ordinal)), set);
        var manifest = Assert.Single(set.Manifests);
        var json = Encoding.UTF8.GetBytes(template.Replace("@", live, StringComparison.Ordinal));
        var engine = new DriftEngine();
        var scanned = Scanned(engine, key, manifest, json);
        Assert.Equal(Whole(engine, key, manifest, json), scanned);
        return (scanned, Scan(key, manifest, json));
    }

    private const string AsValues = "Values";
    private const string AsSubtrees = "Subtrees";

    /// <summary>
    /// The way the scan goes: in sync, the whole object, or its suspects as fields, all of them
    /// with live values read as nodes (<see cref="AsValues"/>) or some parsed from their JSON (<see cref="AsSubtrees"/>).
    /// </summary>
    private static string Scan(ResourceKey key, Manifest desired, byte[] json)
    {
        var scan = LiveScan.Rent();
        try
        {
            var outcome = scan.Run(json, desired.ComparableDesired, key, ManagerClassifier.Default, new AppliedVerdicts());
            return outcome != LiveScan.Outcome.Suspects ? outcome.ToString()
                : scan.Fields(json, key).Any(f => !f.Subtree.IsEmpty) ? AsSubtrees : AsValues;
        }
        finally
        {
            scan.Return();
        }
    }

    private static string[] Whole(DriftEngine engine, ResourceKey key, Manifest desired, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. engine.CompareResource(key, desired, new Manifest(document.RootElement, LiveSource)).Select(Drifts.Describe)];
    }

    private static string[] Scanned(DriftEngine engine, ResourceKey key, Manifest desired, byte[] json) =>
        [.. engine.CompareResource(key, desired, json, LiveSource).Select(Drifts.Describe)];

    /// <summary>Each corpus object declared in Git with its live counterpart, as the API server's JSON.</summary>
    private static IEnumerable<(ResourceKey Key, Manifest Desired, byte[] Live)> CorpusPairs()
    {
        foreach (var dir in Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "corpus")).Order(StringComparer.Ordinal))
        {
            var desired = ManifestLoader.LoadPath(Path.Combine(dir, "desired.yaml")).Manifests;
            var live = ManifestLoader.LoadPath(Path.Combine(dir, "live.json")).Manifests;
            foreach (var (key, manifest, match) in Drifts.Pairs(desired, live, "default"))
            {
                yield return (key, manifest, match.ToUtf8Json());
            }
        }
    }

    private static byte[] Mutate(byte[] live, Random random)
    {
        var root = JsonNode.Parse(live)!.AsObject();
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            MutateOnce(root, random);
        }

        var json = root.ToJsonString();
        switch (random.Next(14))
        {
            case 0:
                // A member name written with an escape (the same name once parsed).
                var at = json.IndexOf("\":", random.Next(json.Length), StringComparison.Ordinal);
                var open = at > 0 ? json.LastIndexOf('"', at - 1) : -1;
                if (open >= 0 && char.IsAsciiLetterLower(json[open + 1]))
                {
                    json = $"{json[..(open + 1)]}\\u{(int)json[open + 1]:x4}{json[(open + 2)..]}";
                }

                break;
            case 1:
                // A member written twice (the parser keeps the last).
                var close = json.LastIndexOf('}');
                var first = json.IndexOf("\"spec\":", StringComparison.Ordinal);
                if (first > 0 && random.Next(2) == 0)
                {
                    json = $"{json[..close]},\"metadata\":{{\"labels\":{{\"x\":\"y\"}}}}}}";
                }
                else if (first > 0)
                {
                    json = $"{json[..close]},\"spec\":{{}}}}";
                }

                break;
            case 2:
                // A fieldsV1 member written twice, the first as a leaf: the parser keeps the second.
                var named = json.IndexOf("\"f:", random.Next(json.Length), StringComparison.Ordinal);
                var end = named >= 0 ? json.IndexOf("\":", named + 1, StringComparison.Ordinal) : -1;
                if (end > 0)
                {
                    json = $"{json[..named]}{json[named..(end + 2)]}{{}},{json[named..]}";
                }

                break;
        }

        return Encoding.UTF8.GetBytes(json);
    }

    private static void MutateOnce(JsonObject root, Random random)
    {
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var target = nodes[random.Next(nodes.Count)];
        switch (random.Next(12))
        {
            case 0:
                Replace(target, target is JsonValue v && v.TryGetValue<string>(out var text) ? JsonValue.Create(text + "x") : JsonValue.Create(random.Next(100)));
                break;
            case 1:
                Replace(target, target is JsonValue n && n.TryGetValue<decimal>(out var number) ? JsonValue.Create($"{number}") : JsonValue.Create(true));
                break;
            case 2:
                Replace(target, null);
                break;
            case 3:
                if (target.Parent is JsonObject parent)
                {
                    parent.Remove(target.GetPropertyName());
                }
                else if (target.Parent is JsonArray array)
                {
                    array.Remove(target);
                }

                break;
            case 4:
                if (target is JsonObject map && !map.ContainsKey("extra"))
                {
                    map["extra"] = random.Next(2) == 0 ? "added" : new JsonObject { ["deep"] = 1 };
                }

                break;
            case 5:
                if (target is JsonArray list && list.Count > 1)
                {
                    var items = list.Select(i => i?.DeepClone()).Reverse().ToList();
                    list.Clear();
                    items.ForEach(list.Add);
                }
                else if (target is JsonArray one && one.Count == 1)
                {
                    one.Add(one[0]?.DeepClone());
                }

                break;
            case 6:
                Replace(target, target is JsonObject ? new JsonArray() : new JsonObject());
                break;
            case 7:
                AddManager(root, random.Next(3) switch { 0 => "kubectl-edit", 1 => "hpa-controller", _ => "argocd-controller" });
                break;
            case 8:
                (root["metadata"] as JsonObject)?.Remove("managedFields");
                break;
            case 9:
                AddApplier(root, target);
                break;
            case 10:
                RewriteLastApplied(root, random);
                break;
            default:
                Replace(target, target is JsonValue ? JsonValue.Create(string.Empty) : new JsonObject());
                break;
        }
    }

    /// <summary>A server-side apply (Argo CD's) that names the field <paramref name="target"/> is (elements by their keys).</summary>
    private static void AddApplier(JsonObject root, JsonNode target)
    {
        if (root["metadata"] is not JsonObject metadata || target == root)
        {
            return;
        }

        var steps = new List<string>();
        for (var node = target; node.Parent is { } parent; node = parent)
        {
            if (parent is JsonObject)
            {
                steps.Add("f:" + node.GetPropertyName());
            }
            else if (node is JsonObject element && new[] { "name", "containerPort", "port", "mountPath" }.FirstOrDefault(element.ContainsKey) is { } keyField)
            {
                var key = new JsonObject { [keyField] = element[keyField]?.DeepClone() };
                if (keyField is "containerPort" or "port")
                {
                    key["protocol"] = element["protocol"]?.DeepClone() ?? "TCP";
                }

                steps.Add("k:" + key.ToJsonString());
            }
            else
            {
                return;
            }
        }

        JsonObject fields = [];
        var at = fields;
        for (var i = steps.Count - 1; i >= 0; i--)
        {
            var next = new JsonObject();
            at[steps[i]] = next;
            at = next;
        }

        var entries = metadata["managedFields"] as JsonArray ?? [];
        metadata["managedFields"] = entries;
        entries.Add(new JsonObject
        {
            ["manager"] = "argocd-controller",
            ["operation"] = "Apply",
            ["time"] = "2026-11-24T03:00:00Z",
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = fields,
        });
    }

    /// <summary>The last-applied-configuration rewritten to hold what live holds now (status and system metadata aside), less one field or two.</summary>
    private static void RewriteLastApplied(JsonObject root, Random random)
    {
        if (root["metadata"] is not JsonObject metadata)
        {
            return;
        }

        var applied = root.DeepClone().AsObject();
        applied.Remove("status");
        if (applied["metadata"] is JsonObject appliedMetadata)
        {
            foreach (var name in new[] { "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "annotations" })
            {
                appliedMetadata.Remove(name);
            }
        }

        var nodes = new List<JsonNode>();
        Collect(applied, nodes);
        for (var n = random.Next(3); n > 0 && nodes.Count > 1; n--)
        {
            var drop = nodes[random.Next(1, nodes.Count)];
            if (drop.Parent is JsonObject parent)
            {
                parent.Remove(drop.GetPropertyName());
            }

            nodes.Clear();
            Collect(applied, nodes);
        }

        var annotations = metadata["annotations"] as JsonObject ?? [];
        metadata["annotations"] = annotations;
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = applied.ToJsonString();
    }

    private static void AddManager(JsonObject root, string manager)
    {
        if (root["metadata"] is not JsonObject metadata)
        {
            return;
        }

        var entries = metadata["managedFields"] as JsonArray ?? [];
        metadata["managedFields"] = entries;
        var fields = new JsonObject();
        foreach (var (name, _) in root)
        {
            if (name is not ("apiVersion" or "kind" or "metadata" or "status"))
            {
                fields[$"f:{name}"] = new JsonObject();
            }
        }

        entries.Add(new JsonObject
        {
            ["manager"] = manager,
            ["operation"] = "Update",
            ["time"] = "2026-11-24T02:00:00Z",
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = fields,
        });
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        switch (node)
        {
            case JsonObject map:
                foreach (var (_, value) in map)
                {
                    if (value is not null)
                    {
                        into.Add(value);
                        Collect(value, into);
                    }
                }

                break;
            case JsonArray list:
                foreach (var item in list)
                {
                    if (item is not null)
                    {
                        into.Add(item);
                        Collect(item, into);
                    }
                }

                break;
        }
    }

    private static void Replace(JsonNode target, JsonNode? value)
    {
        switch (target.Parent)
        {
            case JsonObject parent:
                parent[target.GetPropertyName()] = value;
                break;
            case JsonArray array:
                array[target.GetElementIndex()] = value;
                break;
        }
    }
}
