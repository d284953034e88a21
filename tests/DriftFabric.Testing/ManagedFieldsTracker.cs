using System.Text.Json;
using System.Text.Json.Nodes;

namespace DriftFabric.Testing;

/// <summary>
/// Keeps <c>metadata.managedFields</c> the way the API server does for Update operations: the
/// fields a write sets or changes move to its manager (with the write's time), fields it removes
/// leave every manager. Lists of containers, env, ports, volumes and mounts are keyed; other lists
/// are owned whole. Server-side apply (<see cref="Apply"/>) merges an applied configuration and
/// reports conflicts as the API server does.
/// </summary>
internal static class ManagedFieldsTracker
{
    private const char Separator = '\u0001';
    private static readonly string[] Ignored = ["apiVersion", "kind", "status"];
    private static readonly string[] SystemMetadata = ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink"];

    public static void Record(JsonObject? previous, JsonObject next, string manager, string? subresource, DateTimeOffset at)
    {
        var entries = ReadEntries(previous);
        var containersBefore = new HashSet<string>();
        var before = previous is null ? new Dictionary<string, string>() : Leaves(previous, subresource, containersBefore);
        var containersAfter = new HashSet<string>();
        var after = Leaves(next, subresource, containersAfter);

        var changed = after.Where(kv => !before.TryGetValue(kv.Key, out var old) || old != kv.Value).Select(kv => kv.Key).ToHashSet();
        var removed = before.Keys.Where(k => !after.ContainsKey(k)).ToHashSet();

        // A map or list the write brings into being is the writer's as a whole too (the "." of
        // fieldsV1); one it takes away leaves everyone. The structs the kind's Go type always has
        // (spec, status, a pod template) are never new, even to a create.
        changed.UnionWith(containersAfter.Except(containersBefore).Except(ZeroObjectContainers(next)).Select(c => c + Separator + "."));
        removed.UnionWith(containersBefore.Except(containersAfter).Select(c => c + Separator + "."));
        foreach (var entry in entries)
        {
            // The main resource and its scale subresource write the same fields; status is apart.
            if ((entry.Subresource == "status") == (subresource == "status"))
            {
                entry.Fields.ExceptWith(changed);
            }

            entry.Fields.ExceptWith(removed);
        }

        if (changed.Count > 0)
        {
            var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Subresource == subresource && e.Operation == "Update");
            if (mine is null)
            {
                mine = new Entry(manager, subresource, [], at);
                entries.Add(mine);
            }

            mine.Fields.UnionWith(changed);
            mine.Time = at;
        }

        WriteEntries(entries, next);
    }

    /// <summary>
    /// Server-side apply of <paramref name="applied"/> by <paramref name="manager"/> onto
    /// <paramref name="current"/> (null: the object is created). A field the configuration sets to
    /// another value than the object has, while another manager owns it, is a conflict: without
    /// <paramref name="force"/> nothing changes and the conflicts are returned; with it the field
    /// changes and moves to <paramref name="manager"/>. Maps merge, keyed lists merge by key, other
    /// lists and values are replaced; the manager's Apply entry owns exactly what it applied, and
    /// fields of equal value stay shared. A field the manager's earlier apply set and this one
    /// leaves out is removed, unless another manager owns it too.
    /// </summary>
    public static JsonObject? Apply(JsonObject? current, JsonObject applied, string manager, bool force, DateTimeOffset at, List<(string Manager, string Field)> conflicts)
    {
        var entries = ReadEntries(current);
        var appliedLeaves = Leaves(applied, null);
        var currentLeaves = current is null ? [] : Leaves(current, null);
        var changed = appliedLeaves.Where(kv => !currentLeaves.TryGetValue(kv.Key, out var value) || value != kv.Value).Select(kv => kv.Key).ToHashSet();
        foreach (var field in changed.Where(currentLeaves.ContainsKey).Order(StringComparer.Ordinal))
        {
            foreach (var entry in entries.Where(e => e.Manager != manager && e.Subresource != "status" && e.Fields.Contains(field)))
            {
                // As the API server words it: "kubectl-edit", or "kubectl" with subresource "scale".
                conflicts.Add(($"\"{entry.Manager}\"{(entry.Subresource is null ? string.Empty : $" with subresource \"{entry.Subresource}\"")}", FieldText(field)));
            }
        }

        if (conflicts.Count > 0 && !force)
        {
            return null;
        }

        var result = current is null ? new JsonObject() : Parse(current.ToJsonString());
        Merge(result, applied, string.Empty);
        var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Subresource is null && e.Operation == "Apply");
        var dropped = mine is null ? [] : mine.Fields.Where(f => !appliedLeaves.ContainsKey(f) && !entries.Any(e => e != mine && e.Fields.Contains(f))).ToList();
        foreach (var field in dropped.OrderByDescending(f => f.Length))
        {
            Remove(result, field.Split(Separator));
        }

        foreach (var entry in entries.Where(e => e.Subresource != "status"))
        {
            entry.Fields.ExceptWith(changed);
        }

        if (mine is null)
        {
            mine = new Entry(manager, null, [], at) { Operation = "Apply" };
            entries.Add(mine);
        }

        mine.Fields.Clear();
        mine.Fields.UnionWith(appliedLeaves.Keys);
        mine.Time = at;
        WriteEntries(entries, result);
        return result;
    }

    /// <summary>Merges an applied configuration into an object: maps by key, keyed lists by their keys, the rest replaced.</summary>
    private static void Merge(JsonObject target, JsonObject applied, string name)
    {
        foreach (var (key, value) in applied)
        {
            if (name.Length == 0 && key == "metadata" && value is JsonObject metadata)
            {
                // The applied resourceVersion is a precondition, not a value.
                var copy = Parse(metadata.ToJsonString());
                copy.Remove("resourceVersion");
                copy.Remove("managedFields");
                target[key] ??= new JsonObject();
                Merge(target[key]!.AsObject(), copy, key);
                continue;
            }

            switch (value)
            {
                case JsonObject map when target[key] is JsonObject existing:
                    Merge(existing, map, key);
                    break;
                case JsonArray list when target[key] is JsonArray existing && KeyOf(key, list) is { } keys && KeyOf(key, existing) is not null:
                    foreach (var element in list.OfType<JsonObject>())
                    {
                        var match = existing.OfType<JsonObject>().FirstOrDefault(e => keys.All(k => JsonNode.DeepEquals(e[k], element[k])));
                        if (match is null)
                        {
                            existing.Add(element.DeepClone());
                        }
                        else
                        {
                            Merge(match, element, key);
                        }
                    }

                    break;
                default:
                    target[key] = value?.DeepClone();
                    break;
            }
        }
    }

    /// <summary>
    /// Removes the field at <paramref name="path"/> (fieldsV1 keys: <c>f:</c> a member, <c>k:</c> a
    /// keyed list element, <c>.</c> that element itself), and any map or list it leaves empty.
    /// </summary>
    private static void Remove(JsonNode? node, ReadOnlySpan<string> path)
    {
        var segment = path[0];
        JsonNode? child;
        if (segment.StartsWith("f:", StringComparison.Ordinal) && node is JsonObject map)
        {
            var key = segment[2..];
            child = map[key];
            if (path.Length == 1 || (path.Length == 2 && path[1] == "."))
            {
                map.Remove(key);
                return;
            }

            Remove(child, path[1..]);
            if (child is JsonObject { Count: 0 } or JsonArray { Count: 0 })
            {
                map.Remove(key);
            }
        }
        else if (segment.StartsWith("k:", StringComparison.Ordinal) && node is JsonArray list)
        {
            var key = Parse(segment[2..]);
            var element = list.OfType<JsonObject>().FirstOrDefault(e => key.All(k => JsonNode.DeepEquals(e[k.Key] ?? (k.Key == "protocol" ? "TCP" : null), k.Value)));
            if (element is null)
            {
                return;
            }

            if (path.Length == 1 || path[1] == ".")
            {
                list.Remove(element);
                return;
            }

            Remove(element, path[1..]);
        }
    }

    /// <summary>A field as the API server names it in a conflict: <c>.spec.replicas</c>, <c>.spec.template.spec.containers[name="web"].image</c>.</summary>
    private static string FieldText(string path)
    {
        var text = new System.Text.StringBuilder();
        foreach (var segment in path.Split(Separator))
        {
            if (segment.StartsWith("f:", StringComparison.Ordinal))
            {
                text.Append('.').Append(segment[2..]);
            }
            else if (segment.StartsWith("k:", StringComparison.Ordinal))
            {
                text.Append('[').Append(string.Join(",", Parse(segment[2..]).Select(kv => $"{kv.Key}={kv.Value?.ToJsonString()}"))).Append(']');
            }
        }

        return text.ToString();
    }

    private static void WriteEntries(List<Entry> entries, JsonObject next)
    {
        entries.RemoveAll(e => e.Fields.Count == 0);
        var list = new JsonArray();
        foreach (var entry in entries)
        {
            var json = new JsonObject
            {
                ["manager"] = entry.Manager,
                ["operation"] = entry.Operation,
                ["apiVersion"] = next["apiVersion"]?.GetValue<string>(),
                ["time"] = entry.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = ToTree(entry.Fields),
            };
            if (entry.Subresource is not null)
            {
                json["subresource"] = entry.Subresource;
            }

            list.Add(json);
        }

        ((JsonObject)(next["metadata"] ??= new JsonObject()))["managedFields"] = list;
    }

    private sealed class Entry(string manager, string? subresource, HashSet<string> fields, DateTimeOffset time)
    {
        public string Manager { get; } = manager;

        public string? Subresource { get; } = subresource;

        public HashSet<string> Fields { get; } = fields;

        public DateTimeOffset Time { get; set; } = time;

        /// <summary><c>Update</c> (a write) or <c>Apply</c> (server-side apply, owning exactly what it applied).</summary>
        public string Operation { get; init; } = "Update";
    }

    private static List<Entry> ReadEntries(JsonObject? obj)
    {
        var entries = new List<Entry>();
        if (obj?["metadata"]?["managedFields"] is not JsonArray list)
        {
            return entries;
        }

        foreach (var item in list.OfType<JsonObject>())
        {
            var fields = new HashSet<string>();
            if (item["fieldsV1"] is JsonObject tree)
            {
                FromTree(tree, string.Empty, fields);
            }

            var time = DateTimeOffset.Parse(item["time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
            entries.Add(new Entry(item["manager"]!.GetValue<string>(), item["subresource"]?.GetValue<string>(), fields, time)
            {
                Operation = item["operation"]?.GetValue<string>() ?? "Update",
            });
        }

        return entries;
    }

    /// <summary>
    /// The maps and lists of a kind's zero object (its Go type with nothing set, as the API server
    /// compares a create against): metadata, spec, status, and the pod template's structs.
    /// </summary>
    private static HashSet<string> ZeroObjectContainers(JsonObject obj)
    {
        var template = "f:spec" + Separator + "f:template";
        var podSpec = template + Separator + "f:spec";
        string[] workload = [template, template + Separator + "f:metadata", podSpec, podSpec + Separator + "f:containers"];
        var jobTemplate = "f:spec" + Separator + "f:jobTemplate";
        string[] paths = obj["kind"]?.GetValue<string>() switch
        {
            "Deployment" => [.. workload, "f:spec" + Separator + "f:strategy"],
            "StatefulSet" or "DaemonSet" => [.. workload, "f:spec" + Separator + "f:updateStrategy"],
            "ReplicaSet" or "Job" => workload,
            "CronJob" => [jobTemplate, jobTemplate + Separator + "f:spec", .. workload.Select(w => jobTemplate + Separator + w)],
            "Pod" => ["f:spec" + Separator + "f:containers"],
            _ => [],
        };
        return ["f:metadata", "f:spec", "f:status", .. paths];
    }

    /// <summary>Maps the API server owns whole (<c>x-kubernetes-map-type: atomic</c>): label selectors.</summary>
    private static bool IsAtomicMap(string name) => name is "selector" or "podSelector" or "namespaceSelector";

    /// <summary>
    /// Every owned leaf as a path of fieldsV1 keys, with its value's JSON; null values are absent.
    /// With <paramref name="containers"/>, the maps and granular lists on the way are added to it.
    /// </summary>
    private static Dictionary<string, string> Leaves(JsonObject obj, string? subresource, HashSet<string>? containers = null)
    {
        var leaves = new Dictionary<string, string>();
        foreach (var (key, value) in obj)
        {
            var isStatus = key == "status";
            if (subresource == "status" ? !isStatus : Array.IndexOf(Ignored, key) >= 0)
            {
                continue;
            }

            if (key == "metadata" && value is JsonObject metadata)
            {
                foreach (var (mk, mv) in metadata)
                {
                    if (Array.IndexOf(SystemMetadata, mk) < 0)
                    {
                        Walk(mv, "f:metadata" + Separator + "f:" + mk, mk, leaves, containers);
                    }
                }

                continue;
            }

            Walk(value, "f:" + key, key, leaves, containers);
        }

        return leaves;
    }

    private static void Walk(JsonNode? value, string path, string name, Dictionary<string, string> leaves, HashSet<string>? containers)
    {
        switch (value)
        {
            case null:
                break;
            case JsonObject map when map.Count > 0 && !IsAtomicMap(name):
                containers?.Add(path);
                foreach (var (key, child) in map)
                {
                    Walk(child, path + Separator + "f:" + key, key, leaves, containers);
                }

                break;
            case JsonArray list when list.Count > 0 && KeyOf(name, list) is { } keyFields:
                containers?.Add(path);
                foreach (var element in list.OfType<JsonObject>())
                {
                    var key = new JsonObject();
                    foreach (var field in keyFields)
                    {
                        key[field] = field == "protocol" ? element[field]?.DeepClone() ?? "TCP" : element[field]?.DeepClone();
                    }

                    var elementPath = path + Separator + "k:" + key.ToJsonString();
                    leaves[elementPath + Separator + "."] = string.Empty;
                    foreach (var (field, child) in element)
                    {
                        Walk(child, elementPath + Separator + "f:" + field, field, leaves, containers);
                    }
                }

                break;
            case JsonArray list when list.Count > 0 && name == "finalizers" && list.All(e => e is JsonValue):
                // A set of strings (listType=set): each value is owned on its own, as v:"value".
                containers?.Add(path);
                foreach (var item in list)
                {
                    leaves[path + Separator + "v:" + item!.ToJsonString()] = string.Empty;
                }

                break;
            default:
                leaves[path] = value.ToJsonString();
                break;
        }
    }

    private static string[]? KeyOf(string name, JsonArray list)
    {
        var keys = name switch
        {
            "containers" or "initContainers" or "env" or "volumes" or "imagePullSecrets" => new[] { "name" },
            "volumeMounts" => ["mountPath"],
            "ports" when list.All(e => e is JsonObject o && o.ContainsKey("containerPort")) => ["containerPort", "protocol"],
            "ports" when list.All(e => e is JsonObject o && o.ContainsKey("port")) => ["port", "protocol"],
            _ => null,
        };
        return keys is not null && list.All(e => e is JsonObject o && o.ContainsKey(keys[0])) ? keys : null;
    }

    private static JsonObject ToTree(HashSet<string> fields)
    {
        var root = new JsonObject();
        foreach (var path in fields.Order(StringComparer.Ordinal))
        {
            var node = root;
            foreach (var segment in path.Split(Separator))
            {
                if (node[segment] is not JsonObject child)
                {
                    child = new JsonObject();
                    node[segment] = child;
                }

                node = child;
            }
        }

        return root;
    }

    private static void FromTree(JsonObject tree, string prefix, HashSet<string> fields)
    {
        foreach (var (key, child) in tree)
        {
            var path = prefix.Length == 0 ? key : prefix + Separator + key;
            if (child is JsonObject sub && sub.Count > 0)
            {
                FromTree(sub, path, fields);
            }
            else
            {
                fields.Add(path);
            }
        }
    }

    public static JsonObject Parse(string json) => JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 128 })!.AsObject();
}
