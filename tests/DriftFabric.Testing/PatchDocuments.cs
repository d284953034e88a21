using System.Globalization;
using System.Text.Json.Nodes;

namespace DriftFabric.Testing;

/// <summary>
/// The three patch formats the API server takes besides apply: JSON merge patch (RFC 7386),
/// strategic merge patch as the API server applies it to built-in kinds (lists merged by their
/// patch merge key, and the directives <c>$patch</c>, <c>$setElementOrder/</c>,
/// <c>$retainKeys</c>, <c>$deleteFromPrimitiveList/</c>), and JSON patch (RFC 6902). Each
/// returns the patched object, or null when the patch does not apply.
/// </summary>
internal static class PatchDocuments
{
    private const string Directive = "$patch";
    private const string SetElementOrder = "$setElementOrder/";
    private const string RetainKeys = "$retainKeys";
    private const string DeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

    /// <summary>RFC 7386: maps merge, null removes, anything else (lists too) replaces.</summary>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchMap)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in patchMap)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var merged = MergePatch(result[key]?.DeepClone(), value);
                result[key] = merged;
            }
        }

        return result;
    }

    /// <summary>
    /// The patch merge key of a list field of a built-in kind (the <c>patchMergeKey</c> of its Go
    /// type), or null for a list that a patch replaces whole. <paramref name="parent"/> tells a
    /// container's <c>ports</c> (<c>containerPort</c>) from a Service's (<c>port</c>).
    /// </summary>
    public static string? MergeKey(string field, string parent) => field switch
    {
        "containers" or "initContainers" or "ephemeralContainers" or "env" or "volumes" or "imagePullSecrets" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "ports" when parent is "containers" or "initContainers" or "ephemeralContainers" => "containerPort",
        "ports" when parent == "spec" => "port",
        "hostAliases" => "ip",
        "ownerReferences" => "uid",
        "conditions" => "type",
        _ => null,
    };

    /// <summary>Lists of scalars a strategic patch merges as sets (<c>patchStrategy: merge</c>).</summary>
    private static bool MergesPrimitives(string field) => field == "finalizers";

    /// <summary>Applies a strategic merge patch to a built-in object; null when a directive is malformed.</summary>
    public static JsonObject? StrategicMergePatch(JsonObject target, JsonObject patch)
    {
        var result = (JsonObject)target.DeepClone();
        return MergeMap(result, patch, string.Empty) ? result : null;
    }

    private static bool MergeMap(JsonObject target, JsonObject patch, string name)
    {
        if (patch[Directive]?.GetValue<string>() is { } directive && directive != "merge")
        {
            if (directive != "replace")
            {
                return false;
            }

            target.Clear();
            foreach (var (key, value) in patch)
            {
                if (key != Directive)
                {
                    target[key] = value?.DeepClone();
                }
            }

            return true;
        }

        foreach (var (key, value) in patch)
        {
            if (key == Directive || key == RetainKeys || key.StartsWith(SetElementOrder, StringComparison.Ordinal) || key.StartsWith(DeleteFromPrimitiveList, StringComparison.Ordinal))
            {
                continue;
            }

            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchMap)
            {
                if (patchMap[Directive]?.GetValue<string>() == "delete")
                {
                    target.Remove(key);
                    continue;
                }

                if (target[key] is not JsonObject existing)
                {
                    existing = new JsonObject();
                    target[key] = existing;
                }

                if (!MergeMap(existing, patchMap, key))
                {
                    return false;
                }
            }
            else if (value is JsonArray patchList)
            {
                if (!MergeList(target, key, patchList, name))
                {
                    return false;
                }
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(DeleteFromPrimitiveList, StringComparison.Ordinal) && value is JsonArray doomed && target[key[DeleteFromPrimitiveList.Length..]] is JsonArray list)
            {
                foreach (var item in list.Where(i => doomed.Any(d => JsonNode.DeepEquals(d, i))).ToList())
                {
                    list.Remove(item);
                }
            }
            else if (key.StartsWith(SetElementOrder, StringComparison.Ordinal) && value is JsonArray order && target[key[SetElementOrder.Length..]] is JsonArray ordered)
            {
                Reorder(ordered, order, MergeKey(key[SetElementOrder.Length..], name));
            }
        }

        if (patch[RetainKeys] is JsonArray retained)
        {
            var keep = retained.Select(k => k?.GetValue<string>()).ToHashSet();
            foreach (var key in target.Select(kv => kv.Key).Where(k => !keep.Contains(k)).ToList())
            {
                target.Remove(key);
            }
        }

        return true;
    }

    private static bool MergeList(JsonObject target, string field, JsonArray patch, string parent)
    {
        var mergeKey = MergeKey(field, parent);
        if (patch.OfType<JsonObject>().Any(e => e[Directive]?.GetValue<string>() == "replace"))
        {
            target[field] = new JsonArray([.. patch.Where(e => e is not JsonObject o || o[Directive] is null).Select(e => e?.DeepClone())]);
            return true;
        }

        if (mergeKey is null)
        {
            if (MergesPrimitives(field) && target[field] is JsonArray set)
            {
                foreach (var item in patch.Where(i => !set.Any(s => JsonNode.DeepEquals(s, i))))
                {
                    set.Add(item?.DeepClone());
                }
            }
            else
            {
                target[field] = patch.DeepClone();
            }

            return true;
        }

        if (target[field] is not JsonArray existing)
        {
            existing = new JsonArray();
            target[field] = existing;
        }

        foreach (var element in patch)
        {
            if (element is not JsonObject item || item[mergeKey] is not { } key)
            {
                return false;
            }

            var match = existing.OfType<JsonObject>().FirstOrDefault(e => JsonNode.DeepEquals(e[mergeKey], key));
            if (item[Directive]?.GetValue<string>() == "delete")
            {
                if (match is not null)
                {
                    existing.Remove(match);
                }

                continue;
            }

            if (match is null)
            {
                match = new JsonObject();
                existing.Add(match);
            }

            if (!MergeMap(match, item, field))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// <c>$setElementOrder</c>: the elements it names come in its order; the others (in the object
    /// and not in the patch) keep their places relative to each other, after them.
    /// </summary>
    private static void Reorder(JsonArray list, JsonArray order, string? mergeKey)
    {
        var items = list.Select(i => i!.DeepClone()).ToList();
        JsonNode? KeyOf(JsonNode? n) => mergeKey is null ? n : n?[mergeKey];
        var ordered = new List<JsonNode>();
        foreach (var wanted in order)
        {
            var match = items.FirstOrDefault(i => JsonNode.DeepEquals(KeyOf(i), KeyOf(wanted)));
            if (match is not null)
            {
                ordered.Add(match);
                items.Remove(match);
            }
        }

        list.Clear();
        foreach (var item in ordered.Concat(items))
        {
            list.Add(item);
        }
    }

    /// <summary>RFC 6902 (<c>add</c>, <c>remove</c>, <c>replace</c>, <c>move</c>, <c>copy</c>, <c>test</c>), in order; null when one does not apply.</summary>
    public static JsonObject? JsonPatch(JsonObject obj, JsonArray ops)
    {
        foreach (var op in ops)
        {
            if (op?["path"]?.GetValue<string>() is not { } pointer || Pointer(pointer) is not { } path)
            {
                return null;
            }

            var ok = op["op"]?.GetValue<string>() switch
            {
                "test" => JsonNode.DeepEquals(Find(obj, path), op["value"]) && (path.Length == 0 || Exists(obj, path)),
                "remove" => Take(obj, path) is not null,
                "add" => Put(obj, path, op["value"]?.DeepClone(), insert: true),
                "replace" => Exists(obj, path) && Take(obj, path) is not null && Put(obj, path, op["value"]?.DeepClone(), insert: true),
                "move" => op["from"]?.GetValue<string>() is { } from && Pointer(from) is { } source && Take(obj, source) is { } moved && Put(obj, path, moved.Value, insert: true),
                "copy" => op["from"]?.GetValue<string>() is { } from && Pointer(from) is { } source && Exists(obj, source) && Put(obj, path, Find(obj, source)?.DeepClone(), insert: true),
                _ => false,
            };
            if (!ok)
            {
                return null;
            }
        }

        return obj;
    }

    private static string[]? Pointer(string pointer) =>
        pointer.Length == 0 ? [] : pointer[0] != '/' ? null : [.. pointer[1..].Split('/').Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];

    private static JsonNode? Find(JsonNode? node, string[] path)
    {
        foreach (var segment in path)
        {
            node = node switch
            {
                JsonObject map => map[segment],
                JsonArray list when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < list.Count => list[i],
                _ => null,
            };
        }

        return node;
    }

    private static bool Exists(JsonObject obj, string[] path) =>
        path.Length == 0 || Find(obj, path[..^1]) switch
        {
            JsonObject map => map.ContainsKey(path[^1]),
            JsonArray list => int.TryParse(path[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < list.Count,
            _ => false,
        };

    /// <summary>Removes the value at <paramref name="path"/> and hands it back (wrapped: it may be null); null when it is not there.</summary>
    private static StrongBox? Take(JsonObject obj, string[] path)
    {
        if (path.Length == 0 || !Exists(obj, path))
        {
            return null;
        }

        switch (Find(obj, path[..^1]))
        {
            case JsonObject map:
                var value = map[path[^1]];
                map.Remove(path[^1]);
                return new StrongBox(value);
            case JsonArray list:
                var index = int.Parse(path[^1], CultureInfo.InvariantCulture);
                var item = list[index];
                list.RemoveAt(index);
                return new StrongBox(item);
            default:
                return null;
        }
    }

    private static bool Put(JsonObject obj, string[] path, JsonNode? value, bool insert)
    {
        if (path.Length == 0)
        {
            return false;
        }

        switch (Find(obj, path[..^1]))
        {
            case JsonObject map:
                map[path[^1]] = value;
                return true;
            case JsonArray list when path[^1] == "-":
                list.Add(value);
                return true;
            case JsonArray list when int.TryParse(path[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= list.Count && insert:
                list.Insert(i, value);
                return true;
            default:
                return false;
        }
    }

    private sealed record StrongBox(JsonNode? Value);
}
