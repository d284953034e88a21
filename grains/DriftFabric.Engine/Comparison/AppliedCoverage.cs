using System.Text.Json;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// Whether everything the pipeline applied to an object is still declared by the code: every
/// field a server-side applier's entry names, and every non-empty value the
/// last-applied-configuration holds, is declared (non-empty) by desired state, or is a field
/// the comparison never looks at (identity, system metadata, appliers' bookkeeping). When it
/// is, no live field desired lacks can be one the pipeline applied and the code dropped, and
/// the comparer need not ask for each. A list desired keeps atomic is declared whole.
/// </summary>
internal sealed class AppliedCoverage
{
    private readonly ResourceKey _key;
    private readonly bool _isSecret;
    private readonly List<PathStep> _path = [];

    private AppliedCoverage(ResourceKey key)
    {
        _key = key;
        _isSecret = key.IsSecret;
    }

    public static bool AllDeclared(FieldOwnership ownership, MapNode desired, ResourceKey key)
    {
        var coverage = new AppliedCoverage(key);
        var entries = ownership.Entries;
        for (var rank = 0; rank < entries.Count; rank++)
        {
            if (!FieldOwnership.IsApplyApplier(entries[rank]))
            {
                continue;
            }

            var (index, roots) = ownership.Index();
            var (first, end) = roots[rank];
            if (first >= 0 && !coverage.FieldsDeclared(index, first, end, desired))
            {
                return false;
            }
        }

        return ownership.LastApplied is not { } applied || applied.Root.ValueKind != JsonValueKind.Object || coverage.ValueDeclared(applied.Root, desired);
    }

    /// <summary>The members <c>[first, end)</c> of a fieldsV1 object, against the desired value at the current path.</summary>
    private bool FieldsDeclared(FieldsIndex index, int first, int end, Node desired)
    {
        for (var i = first; i < end; i = index.EndOf(i))
        {
            var name = index.NameOf(i);
            if (!name.StartsWith("f:", StringComparison.Ordinal))
            {
                // "." (the map itself), or a list's members where desired holds no keyed list.
                continue;
            }

            var field = name[2..];
            if (IsNeverCompared(field))
            {
                continue;
            }

            var value = (desired as MapNode)?[field];
            if (value is null || value.IsEmpty)
            {
                return false;
            }

            if (!index.HasChildren(i))
            {
                continue;
            }

            _path.Add(PathStep.Field(field));
            var declared = value switch
            {
                MapNode => FieldsDeclared(index, i + 1, index.EndOf(i), value),
                ListNode list => ElementsDeclared(index, i + 1, index.EndOf(i), list),
                _ => true,
            };
            _path.RemoveAt(_path.Count - 1);
            if (!declared)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The <c>k:</c> members of a fieldsV1 list, against the desired list at the current path.</summary>
    private bool ElementsDeclared(FieldsIndex index, int first, int end, ListNode desired)
    {
        if (KeyedLists.CandidateKeyField(_key, _path) is not { } keyField || !KeyedLists.AllKeyed(desired, keyField))
        {
            return true;
        }

        for (var i = first; i < end; i = index.EndOf(i))
        {
            var name = index.NameOf(i);
            if (!name.StartsWith("k:", StringComparison.Ordinal))
            {
                continue;
            }

            if (KeyOf(name) is not { } key || Find(desired, key) is not { } element)
            {
                return false;
            }

            if (!index.HasChildren(i))
            {
                continue;
            }

            _path.Add(KeyedLists.StepOf(element, keyField));
            var declared = FieldsDeclared(index, i + 1, index.EndOf(i), element);
            _path.RemoveAt(_path.Count - 1);
            if (!declared)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A value of the last-applied-configuration, against the desired value at the current path.</summary>
    private bool ValueDeclared(JsonElement applied, Node desired)
    {
        switch (applied.ValueKind)
        {
            case JsonValueKind.Object when desired is MapNode map:
                foreach (var property in applied.EnumerateObject())
                {
                    if (JsonNodes.IsEmpty(property.Value) || IsNeverCompared(property.Name))
                    {
                        continue;
                    }

                    // A Secret's stringData is its data as the API server stores it.
                    var name = _isSecret && _path.Count == 0 && property.Name == "stringData" ? "data" : property.Name;
                    var value = map[name];
                    if (value is null || value.IsEmpty)
                    {
                        return false;
                    }

                    _path.Add(PathStep.Field(name));
                    var declared = ValueDeclared(property.Value, value);
                    _path.RemoveAt(_path.Count - 1);
                    if (!declared)
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Array when desired is ListNode list && KeyedLists.CandidateKeyField(_key, _path) is { } keyField && KeyedLists.AllKeyed(list, keyField):
                foreach (var item in applied.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty(keyField, out var key) || !JsonNodes.IsScalar(key))
                    {
                        // Matched by no key: the comparer can find no live element it holds.
                        continue;
                    }

                    var element = FindByStep(list, KeyedLists.StepOf(item, keyField));
                    if (element is null)
                    {
                        return false;
                    }

                    _path.Add(KeyedLists.StepOf(element, keyField));
                    var declared = ValueDeclared(item, element);
                    _path.RemoveAt(_path.Count - 1);
                    if (!declared)
                    {
                        return false;
                    }
                }

                return true;
            default:
                // A scalar, an atomic list, or another shape than desired's: compared as a whole there.
                return true;
        }
    }

    /// <summary>A field under the current path that no comparison looks at, or that is an applier's own bookkeeping.</summary>
    private bool IsNeverCompared(string field) => ObjectShape.IsDropped(_path, field, isSecret: false) || Bookkeeping.IsBookkeeping(_path, field);

    private static MapNode? KeyOf(string member)
    {
        try
        {
            var values = Parsing.JsonReader.ReadValues(System.Text.Encoding.UTF8.GetBytes(member[2..]));
            return values.Count == 1 ? values[0] as MapNode : null;
        }
        catch (Parsing.ParseException)
        {
            return null;
        }
    }

    private static MapNode? Find(ListNode desired, MapNode key)
    {
        foreach (var item in desired.Items)
        {
            if (item is MapNode element && ElementKeys.KeyMatches(key, element))
            {
                return element;
            }
        }

        return null;
    }

    private static MapNode? FindByStep(ListNode desired, PathStep step)
    {
        foreach (var item in desired.Items)
        {
            if (item is MapNode element && element[step.KeyField!] is ScalarNode key && step.Selects(key.Text, element.GetString("protocol")))
            {
                return element;
            }
        }

        return null;
    }
}
