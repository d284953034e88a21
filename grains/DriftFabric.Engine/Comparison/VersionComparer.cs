using System.Globalization;
using DriftFabric.Engine.Defaults;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// One field that differs between two versions of an object: its path in drift syntax (empty: the
/// whole object, which only one of the versions has) and its value in each, null where absent.
/// Values are shown as a drift's are: quantities canonical, a Secret's values as short digests.
/// </summary>
public sealed record ChangedField(string Path, Node? Before, Node? After);

/// <summary>
/// Compares two versions of one object under the drift semantics, both sides alike: a field either
/// version has counts whoever wrote it (no owner is asked, as one is of a live field desired state
/// lacks). What no comparison sees (status, system metadata) and what reads as the same value
/// (quantities, numbers, empties and absent fields, a field absent in one version and at its
/// server default in the other, keyed list elements in any order, a Secret's data by its decoded
/// bytes) is no change. One instance per comparison.
/// </summary>
internal sealed class VersionComparer
{
    private readonly ResourceKey _key;
    private readonly SchemaField? _schema;
    private readonly SecretDigest _digest;
    private readonly List<PathStep> _path = [];
    private readonly List<Found> _found = [];

    private VersionComparer(ResourceKey key, SchemaField? schema, SecretDigest digest)
    {
        _key = key;
        _schema = schema;
        _digest = digest;
    }

    /// <summary>A difference as found: the steps of its path, and the values as compared (a Secret's sealed).</summary>
    private readonly record struct Found(List<PathStep> Path, Node? Before, Node? After, bool Quantity);

    /// <param name="schemas">The defaults of the object's kind.</param>
    /// <param name="digest">How a Secret's values are sealed, to be compared and shown.</param>
    /// <returns>The differences, by path.</returns>
    public static IReadOnlyList<ChangedField> Compare(MapNode? before, MapNode? after, ResourceSchemas schemas, SecretDigest digest)
    {
        if ((after ?? before) is not { } either)
        {
            return [];
        }

        var key = KeyOf(either);
        var comparer = new VersionComparer(key, schemas.RootOf(key, either.GetString("apiVersion")), digest);
        var (shapedBefore, shapedAfter) = (comparer.Shape(before), comparer.Shape(after));
        if (shapedBefore is null || shapedAfter is null)
        {
            // Made or deleted in between: that is a change however little of the object is compared.
            comparer.Add(shapedBefore, shapedAfter, quantity: false);
        }
        else
        {
            comparer.CompareMaps(shapedBefore, shapedAfter, quantity: false);
        }

        return [.. comparer._found.Select(comparer.Shown).OrderBy(c => c.Path, StringComparer.Ordinal)];
    }

    private static ResourceKey KeyOf(MapNode version)
    {
        var metadata = version.GetMap("metadata");
        return new ResourceKey(
            ResourceKey.GroupOf(version.GetString("apiVersion") ?? string.Empty),
            version.GetString("kind") ?? string.Empty,
            metadata?.GetString("namespace") ?? ResourceKey.ClusterScope,
            metadata?.GetString("name") ?? string.Empty);
    }

    /// <summary>What of a version is compared; a Secret sealed, so its values are compared by their bytes and never held as they are.</summary>
    private MapNode? Shape(MapNode? version)
    {
        if (version is null)
        {
            return null;
        }

        var comparable = ObjectShape.Comparable(version, isDesired: false);
        return _key.IsSecret ? SecretValues.Seal(comparable, _digest) : comparable;
    }

    private void CompareValues(Node? before, Node? after, bool quantity, MapNode? beforeParent, MapNode? afterParent)
    {
        var hasBefore = before is { IsEmpty: false };
        var hasAfter = after is { IsEmpty: false };
        if (!hasBefore || !hasAfter)
        {
            if (hasBefore != hasAfter && !IsDefaultHere(hasBefore ? before! : after!, hasBefore ? beforeParent : afterParent))
            {
                Add(hasBefore ? before : null, hasAfter ? after : null, quantity);
            }

            return;
        }

        switch (before, after)
        {
            case (MapNode b, MapNode a):
                CompareMaps(b, a, quantity);
                break;
            case (ListNode b, ListNode a):
                CompareLists(b, a, quantity);
                break;
            case (ScalarNode b, ScalarNode a) when ResourceComparer.ScalarEquals(b, a, quantity):
                break;
            default:
                Add(before, after, quantity);
                break;
        }
    }

    private void CompareMaps(MapNode before, MapNode after, bool quantity)
    {
        foreach (var (name, value) in before.Entries)
        {
            _path.Add(PathStep.Field(name));
            CompareValues(value, after[name], quantity || Quantity.IsContextKey(name), before, after);
            _path.RemoveAt(_path.Count - 1);
        }

        foreach (var (name, value) in after.Entries)
        {
            if (before[name] is null)
            {
                _path.Add(PathStep.Field(name));
                CompareValues(null, value, quantity || Quantity.IsContextKey(name), before, after);
                _path.RemoveAt(_path.Count - 1);
            }
        }
    }

    private void CompareLists(ListNode before, ListNode after, bool quantity)
    {
        if (KeyedLists.KeyFieldOf(_key, _path, before, after) is { } keyField)
        {
            CompareElements(before, after, keyField, quantity);
        }
        else if (!SameItems(before, after, quantity))
        {
            Add(before, after, quantity);
        }
    }

    /// <summary>A keyed list's elements, matched by key: one only a version has is a change at the element.</summary>
    private void CompareElements(ListNode before, ListNode after, string keyField, bool quantity)
    {
        var matched = new bool[after.Count];
        foreach (var item in before.Items)
        {
            var step = KeyedLists.StepOf((MapNode)item, keyField);
            var index = IndexOf(after, step, keyField, matched);
            if (index >= 0)
            {
                matched[index] = true;
            }

            _path.Add(step);
            CompareValues(item, index >= 0 ? after[index] : null, quantity, null, null);
            _path.RemoveAt(_path.Count - 1);
        }

        for (var i = 0; i < matched.Length; i++)
        {
            if (!matched[i])
            {
                _path.Add(KeyedLists.StepOf((MapNode)after[i], keyField));
                CompareValues(null, after[i], quantity, null, null);
                _path.RemoveAt(_path.Count - 1);
            }
        }
    }

    private static int IndexOf(ListNode list, PathStep step, string keyField, bool[] matched)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (!matched[i] && KeyedLists.StepOf((MapNode)list[i], keyField) == step)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// True when an atomic list's items are the same, in order, each compared as any value is
    /// (the defaults of their fields too): what comparing them finds is then forgotten, as a
    /// difference in such a list is the whole list's.
    /// </summary>
    private bool SameItems(ListNode before, ListNode after, bool quantity)
    {
        if (before.Count != after.Count)
        {
            return false;
        }

        var found = _found.Count;
        for (var i = 0; i < before.Count && _found.Count == found; i++)
        {
            _path.Add(PathStep.Position(i.ToString(CultureInfo.InvariantCulture)));
            CompareValues(before[i], after[i], quantity, null, null);
            _path.RemoveAt(_path.Count - 1);
        }

        var same = _found.Count == found;
        _found.RemoveRange(found, _found.Count - found);
        return same;
    }

    /// <summary>True when a value only one version has (at the current path) is what the server fills in there.</summary>
    private bool IsDefaultHere(Node value, MapNode? parent) =>
        ResourceSchemas.IsAllDefault(ResourceSchemas.At(_schema, _path, _path.Count), _key, value, parent);

    private void Add(Node? before, Node? after, bool quantity) => _found.Add(new Found([.. _path], before, after, quantity));

    private ChangedField Shown(Found found) => new(
        PathStep.Format(found.Path),
        ReportValues.Prepare(found.Before, found.Path, found.Quantity, _key.IsSecret, _digest),
        ReportValues.Prepare(found.After, found.Path, found.Quantity, _key.IsSecret, _digest));
}
