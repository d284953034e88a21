using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Paths;
using DriftFabric.Engine.Policy;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// Compares one desired object with its live counterpart under the drift semantics: keyed and
/// atomic lists, quantities, numbers, empties, Secrets, and ownership from managedFields.
/// One instance per comparison; not thread-safe.
/// </summary>
internal sealed class ResourceComparer
{
    private readonly ResourceKey _key;
    private readonly DriftPolicy _policy;
    private readonly FieldOwnership? _ownership;
    private readonly bool _isSecret;
    private readonly SourceLocation _source;
    private readonly List<PathStep> _path = [];
    private readonly List<Drift> _drifts;

    private ResourceComparer(ResourceKey key, DriftPolicy policy, FieldOwnership? ownership, SourceLocation source, List<Drift> drifts)
    {
        _key = key;
        _policy = policy;
        _ownership = ownership;
        _isSecret = key is { Kind: "Secret", Group: ResourceKey.CoreGroup };
        _source = source;
        _drifts = drifts;
    }

    public static void Compare(ResourceKey key, Manifest desired, Manifest live, DriftPolicy policy, List<Drift> into)
    {
        var ownership = FieldOwnership.From(live.Root, policy.Managers);
        var ignored = policy.IgnoredPaths(key);
        var desiredRoot = TreePruner.Prune(ObjectShape.Comparable(desired.Root, isDesired: true), ignored);
        var liveRoot = TreePruner.Prune(ObjectShape.Comparable(live.Root, isDesired: false), ignored);
        var comparer = new ResourceComparer(key, policy, ownership, desired.Location, into);
        comparer.CompareMap(desiredRoot, liveRoot, ownership?.Cursor ?? default, quantity: false);
    }

    private void CompareValue(Node desired, Node live, OwnerCursor cursor, bool quantity, MapNode liveParent)
    {
        if (desired.IsEmpty)
        {
            ReportLiveOnly(live, cursor, quantity, liveParent);
            return;
        }

        if (live is ScalarNode { Kind: NodeKind.Null })
        {
            Emit(DriftKind.Missing, desired, null, -1, quantity);
            return;
        }

        switch (desired, live)
        {
            case (MapNode d, MapNode l):
                CompareMap(d, l, cursor, quantity);
                break;
            case (ListNode d, ListNode l):
                CompareList(d, l, cursor, quantity);
                break;
            case (ScalarNode d, ScalarNode l):
                if (!ScalarEquals(d, l, quantity))
                {
                    Modified(desired, live, cursor.Owner, quantity);
                }

                break;
            default:
                Modified(desired, live, cursor.Owner, quantity);
                break;
        }
    }

    private void CompareMap(MapNode desired, MapNode live, OwnerCursor cursor, bool quantity)
    {
        for (var i = 0; i < desired.Count; i++)
        {
            var key = desired.KeyAt(i);
            var d = desired.ValueAt(i);
            _path.Add(PathStep.Field(key));
            var q = quantity || Quantity.IsContextKey(key);
            var hasLive = live.TryGet(key, out var l) && l is not ScalarNode { Kind: NodeKind.Null };
            if (_isSecret && _path.Count == 1 && key == "data")
            {
                CompareSecretData(d as MapNode ?? MapNode.Empty, hasLive ? l as MapNode ?? MapNode.Empty : MapNode.Empty, cursor.Field(key));
            }
            else if (hasLive)
            {
                CompareValue(d, l, cursor.Field(key), q, live);
            }
            else if (!d.IsEmpty)
            {
                Emit(DriftKind.Missing, d, null, -1, q);
            }

            _path.RemoveAt(_path.Count - 1);
        }

        for (var i = 0; i < live.Count; i++)
        {
            var key = live.KeyAt(i);
            if (desired.IndexOf(key) >= 0)
            {
                continue;
            }

            _path.Add(PathStep.Field(key));
            if (_isSecret && _path.Count == 1 && key == "data" && live.ValueAt(i) is MapNode liveData)
            {
                CompareSecretData(MapNode.Empty, liveData, cursor.Field(key));
            }
            else
            {
                ReportLiveOnly(live.ValueAt(i), cursor.Field(key), quantity || Quantity.IsContextKey(key), live);
            }

            _path.RemoveAt(_path.Count - 1);
        }
    }

    /// <summary>Secret data is compared key by key on decoded bytes, and always reported at <c>/data/&lt;key&gt;</c>.</summary>
    private void CompareSecretData(MapNode desired, MapNode live, OwnerCursor cursor)
    {
        foreach (var (key, d) in desired.Entries)
        {
            _path.Add(PathStep.Field(key));
            if (live.TryGet(key, out var l) && l is not ScalarNode { Kind: NodeKind.Null })
            {
                if (!SecretValues.DataEquals(d, l))
                {
                    Modified(d, l, cursor.Field(key).Owner, quantity: false);
                }
            }
            else if (!d.IsEmpty)
            {
                Emit(DriftKind.Missing, d, null, -1, quantity: false);
            }

            _path.RemoveAt(_path.Count - 1);
        }

        foreach (var (key, l) in live.Entries)
        {
            if (desired.IndexOf(key) < 0)
            {
                _path.Add(PathStep.Field(key));
                ReportLiveOnly(l, cursor.Field(key), quantity: false, live);
                _path.RemoveAt(_path.Count - 1);
            }
        }
    }

    private void CompareList(ListNode desired, ListNode live, OwnerCursor cursor, bool quantity)
    {
        var keyField = KeyedLists.KeyFieldOf(_key, _path, desired, live);
        if (keyField is null)
        {
            var owner = cursor.Owner;
            var strict = owner >= 0 && ClassOf(owner) == ManagerClass.OutOfBand;
            if (!AtomicEquals(desired, live, quantity, strict))
            {
                Modified(desired, live, owner, quantity);
            }

            return;
        }

        var matched = new bool[live.Count];
        foreach (var item in desired.Items)
        {
            var d = (MapNode)item;
            var keyText = KeyedLists.KeyText(d, keyField);
            _path.Add(PathStep.Element(keyField, keyText));
            var index = FindElement(live, keyField, keyText, matched);
            if (index >= 0)
            {
                matched[index] = true;
                var l = (MapNode)live[index];
                CompareMap(d, l, cursor.Element(l), quantity);
            }
            else
            {
                Emit(DriftKind.Missing, d, null, -1, quantity);
            }

            _path.RemoveAt(_path.Count - 1);
        }

        for (var i = 0; i < live.Count; i++)
        {
            if (matched[i])
            {
                continue;
            }

            var l = (MapNode)live[i];
            _path.Add(PathStep.Element(keyField, KeyedLists.KeyText(l, keyField)));
            ReportAddedElement(l, cursor.Element(l), quantity);
            _path.RemoveAt(_path.Count - 1);
        }
    }

    private static int FindElement(ListNode live, string keyField, string keyText, bool[] matched)
    {
        for (var i = 0; i < live.Count; i++)
        {
            if (!matched[i] && KeyedLists.KeyText((MapNode)live[i], keyField) == keyText)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A live element of a keyed list that desired declares, missing from desired.</summary>
    private void ReportAddedElement(MapNode live, OwnerCursor cursor, bool quantity)
    {
        if (_ownership is null)
        {
            Emit(DriftKind.Added, null, live, -1, quantity);
            return;
        }

        var owner = cursor.ElementOwner;
        if (owner >= 0 && ClassOf(owner) == ManagerClass.OutOfBand)
        {
            Emit(DriftKind.Added, null, live, owner, quantity);
            return;
        }

        if (owner < 0)
        {
            var owners = CollectOwners(live, cursor, []);
            if (owners.Count == 0 || owners.TrueForAll(r => ClassOf(r) == ManagerClass.OutOfBand))
            {
                Emit(DriftKind.Added, null, live, owners.Count == 0 ? -1 : owners.Max(), quantity);
                return;
            }
        }

        // Put there by the pipeline or a controller: only out-of-band edits inside it are drift.
        DescendLiveOnly(live, cursor, quantity);
    }

    /// <summary>
    /// A live subtree absent from desired is drift only through its owners: reported at the
    /// shallowest paths whose owned fields all belong to out-of-band managers.
    /// </summary>
    private void ReportLiveOnly(Node live, OwnerCursor cursor, bool quantity, MapNode? liveParent)
    {
        if (_ownership is null || live.IsEmpty)
        {
            return;
        }

        var owners = CollectOwners(live, cursor, [], liveParent);
        if (owners.Count == 0)
        {
            return;
        }

        if (owners.TrueForAll(r => ClassOf(r) == ManagerClass.OutOfBand))
        {
            Emit(DriftKind.Added, null, live, owners.Max(), quantity);
            return;
        }

        DescendLiveOnly(live, cursor, quantity);
    }

    private void DescendLiveOnly(Node live, OwnerCursor cursor, bool quantity)
    {
        if (live is MapNode map)
        {
            for (var i = 0; i < map.Count; i++)
            {
                var key = map.KeyAt(i);
                _path.Add(PathStep.Field(key));
                ReportLiveOnly(map.ValueAt(i), cursor.Field(key), quantity || Quantity.IsContextKey(key), map);
                _path.RemoveAt(_path.Count - 1);
            }
        }
        else if (live is ListNode list && KeyedLists.KeyFieldOf(_key, _path, ListNode.Empty, list) is { } keyField)
        {
            foreach (var item in list.Items)
            {
                var element = (MapNode)item;
                _path.Add(PathStep.Element(keyField, KeyedLists.KeyText(element, keyField)));
                ReportLiveOnly(element, cursor.Element(element), quantity, null);
                _path.RemoveAt(_path.Count - 1);
            }
        }
    }

    /// <summary>
    /// Ranks of the owners of every owned leaf (and owned element) in a live subtree at the
    /// current path. Leaves holding the server's default take no part, whoever wrote them.
    /// </summary>
    private List<int> CollectOwners(Node live, OwnerCursor cursor, List<int> ranks, MapNode? parent = null)
    {
        AddRank(ranks, cursor.SelfOwner);
        if (live is not MapNode && ServerDefaults.IsDefault(_key, _path, live, parent))
        {
            return ranks;
        }

        switch (live)
        {
            case MapNode { Count: > 0 } map:
                for (var i = 0; i < map.Count; i++)
                {
                    _path.Add(PathStep.Field(map.KeyAt(i)));
                    CollectOwners(map.ValueAt(i), cursor.Field(map.KeyAt(i)), ranks, map);
                    _path.RemoveAt(_path.Count - 1);
                }

                break;
            case ListNode { Count: > 0 } list when KeyedLists.KeyFieldOf(_key, _path, ListNode.Empty, list) is { } keyField:
                foreach (var item in list.Items)
                {
                    var element = (MapNode)item;
                    _path.Add(PathStep.Element(keyField, KeyedLists.KeyText(element, keyField)));
                    CollectOwners(element, cursor.Element(element), ranks);
                    _path.RemoveAt(_path.Count - 1);
                }

                break;
            case ListNode { Count: > 0 } list:
                AddRank(ranks, cursor.Owner);
                foreach (var item in list.Items)
                {
                    AddRank(ranks, cursor.Value(item).Owner);
                }

                break;
            default:
                AddRank(ranks, cursor.Owner);
                break;
        }

        return ranks;
    }

    private static void AddRank(List<int> ranks, int rank)
    {
        if (rank >= 0 && !ranks.Contains(rank))
        {
            ranks.Add(rank);
        }
    }

    /// <summary>
    /// Atomic lists match element by element under the same rules; when an out-of-band manager
    /// owns the list, live fields that desired lacks count as a mismatch too.
    /// </summary>
    private static bool AtomicEquals(Node desired, Node live, bool quantity, bool strict)
    {
        if (desired.IsEmpty)
        {
            return !strict || live.IsEmpty;
        }

        switch (desired, live)
        {
            case (MapNode d, MapNode l):
                for (var i = 0; i < d.Count; i++)
                {
                    var key = d.KeyAt(i);
                    var q = quantity || Quantity.IsContextKey(key);
                    if (l.TryGet(key, out var lv) && lv is not ScalarNode { Kind: NodeKind.Null })
                    {
                        if (!AtomicEquals(d.ValueAt(i), lv, q, strict))
                        {
                            return false;
                        }
                    }
                    else if (!d.ValueAt(i).IsEmpty)
                    {
                        return false;
                    }
                }

                if (strict)
                {
                    for (var i = 0; i < l.Count; i++)
                    {
                        if (!l.ValueAt(i).IsEmpty && (d[l.KeyAt(i)]?.IsEmpty ?? true))
                        {
                            return false;
                        }
                    }
                }

                return true;
            case (ListNode d, ListNode l):
                if (d.Count != l.Count)
                {
                    return false;
                }

                for (var i = 0; i < d.Count; i++)
                {
                    if (!AtomicEquals(d[i], l[i], quantity, strict))
                    {
                        return false;
                    }
                }

                return true;
            case (ScalarNode d, ScalarNode l):
                return ScalarEquals(d, l, quantity);
            default:
                return false;
        }
    }

    private static bool ScalarEquals(ScalarNode desired, ScalarNode live, bool quantity)
    {
        if (desired.ValueEquals(live))
        {
            return true;
        }

        return quantity && Quantity.TryParse(desired, out var d) && Quantity.TryParse(live, out var l) && d.Value == l.Value;
    }

    private ManagerClass ClassOf(int rank) => _ownership!.Entries[rank].Class;

    /// <summary>A changed value, unless a controller owns the live value (an HPA owns replicas).</summary>
    private void Modified(Node desired, Node live, int owner, bool quantity)
    {
        if (owner >= 0 && ClassOf(owner) == ManagerClass.Controller)
        {
            return;
        }

        Emit(DriftKind.Modified, desired, live, owner, quantity);
    }

    private void Emit(DriftKind kind, Node? desired, Node? live, int owner, bool quantity)
    {
        var entry = owner >= 0 ? _ownership!.Entries[owner] : null;
        var line = desired?.Line ?? 0;
        _drifts.Add(new Drift(
            _key,
            PathStep.Format(_path),
            kind,
            _policy.SeverityOf(_key, kind, _path),
            ReportValues.Prepare(desired, _path, quantity, _isSecret),
            ReportValues.Prepare(live, _path, quantity, _isSecret),
            entry?.Manager,
            entry?.Time,
            _source.AtLine(line)));
    }
}
