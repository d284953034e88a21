using System.Text.Json;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Paths;
using DriftFabric.Engine.Policy;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// Compares one desired object with its live counterpart under the drift semantics: keyed and
/// atomic lists, quantities, numbers, empties, Secrets, and ownership from managedFields.
/// </summary>
/// <remarks>
/// The live object is read in place as parsed JSON, and desired state is walked once: a live
/// object in sync allocates next to nothing. Ownership is looked up only where it decides
/// something (a difference, or a field desired lacks while an out-of-band manager is around),
/// and only there is a live subtree turned into nodes. One instance per comparison; not
/// thread-safe.
/// </remarks>
internal sealed class ResourceComparer
{
    // Deep enough for a container's probe (/spec/template/spec/containers[name=x]/livenessProbe/httpGet/port).
    private const int MaxUsualDepth = 12;

    private readonly ResourceKey _key;
    private readonly DriftPolicy _policy;
    private readonly FieldOwnership? _ownership;
    private readonly bool _isSecret;
    private readonly bool _liveShaped;
    private readonly SourceLocation _source;
    private readonly List<PathStep> _path;

    // The live element of each element step of _path (default for field steps): where the
    // ownership of the current path is looked up, when it is.
    private readonly List<JsonElement> _liveAt;
    private readonly List<Drift> _drifts;
    private readonly Scratch _scratch;

    // The live value of each desired key of the maps being compared (and the items of keyed
    // lists), a frame per nesting level.
    private JsonElement[] _slots;
    private int _slotsUsed;

    // Each thread keeps the buffers of its last comparison: a comparison in sync then allocates
    // next to nothing, which on a busy silo is most of the cost of a watch event.
    [ThreadStatic]
    private static Scratch? t_scratch;

    private ResourceComparer(ResourceKey key, DriftPolicy policy, FieldOwnership? ownership, bool liveShaped, SourceLocation source, List<Drift> drifts, Scratch scratch)
    {
        _scratch = scratch;
        _path = scratch.Path;
        _liveAt = scratch.LiveAt;
        _slots = scratch.Slots;
        _key = key;
        _policy = policy;
        _ownership = ownership;
        _isSecret = key is { Kind: "Secret", Group: ResourceKey.CoreGroup };
        _liveShaped = liveShaped;
        _source = source;
        _drifts = drifts;
    }

    /// <summary>True when a live field that desired lacks can be drift at all: some out-of-band manager wrote to the object.</summary>
    private bool LiveOnlyCounts => _ownership is { HasOutOfBand: true };

    public static void Compare(ResourceKey key, Manifest desired, Manifest live, DriftPolicy policy, List<Drift> into)
    {
        var ignored = policy.IgnoredPaths(key);
        var desiredRoot = desired.ComparableDesired;
        var liveRoot = live.Json;
        var ownership = FieldOwnership.From(liveRoot, policy.Managers);
        var liveShaped = false;
        if (ignored.Count > 0)
        {
            // Ignored paths take no part at all: both sides are pruned (the live one as a tree).
            desiredRoot = TreePruner.Prune(desiredRoot, ignored);
            liveRoot = JsonNodes.ToElement(TreePruner.Prune(ObjectShape.Comparable(live.Root, isDesired: false), ignored));
            liveShaped = true;
        }

        Compare(key, desiredRoot, desired.Location, liveRoot, ownership, liveShaped, policy, into);
    }

    /// <summary>
    /// Compares desired state with a live object read in place, with no ignored paths to prune,
    /// and the ownership of the object it was taken from (the live side may be a part of it).
    /// </summary>
    public static void Compare(ResourceKey key, MapNode desiredRoot, SourceLocation source, JsonElement liveRoot, FieldOwnership? ownership, DriftPolicy policy, List<Drift> into) =>
        Compare(key, desiredRoot, source, liveRoot, ownership, liveShaped: false, policy, into);

    private static void Compare(ResourceKey key, MapNode desiredRoot, SourceLocation source, JsonElement liveRoot, FieldOwnership? ownership, bool liveShaped, DriftPolicy policy, List<Drift> into)
    {
        var comparer = Rent(key, policy, ownership, liveShaped, source, into);
        try
        {
            comparer.CompareMap(desiredRoot, liveRoot, quantity: false);
        }
        finally
        {
            comparer.Release();
        }
    }

    /// <summary>A comparer on the thread's buffers; hand them back with <see cref="Release"/>.</summary>
    private static ResourceComparer Rent(ResourceKey key, DriftPolicy policy, FieldOwnership? ownership, bool liveShaped, SourceLocation source, List<Drift> into)
    {
        var scratch = t_scratch ?? new Scratch();
        t_scratch = null;
        return new ResourceComparer(key, policy, ownership, liveShaped, source, into, scratch);
    }

    private void Release()
    {
        // Nothing of this object stays reachable from the buffers.
        _scratch.Path.Clear();
        _scratch.LiveAt.Clear();
        Array.Clear(_slots, 0, _slotsUsed);
        _scratch.Slots = _slots;
        t_scratch = _scratch;
    }

    /// <summary>
    /// Judges desired values against what live holds at the same paths of fields, each as
    /// <see cref="CompareMap"/> judges the value of a key it reaches: how the live scan hands
    /// over the values it could not settle (no list stands between them and the root).
    /// </summary>
    public static void CompareFields(ResourceKey key, SourceLocation source, FieldOwnership? ownership, DriftPolicy policy, List<Drift> into, IReadOnlyList<Field> fields)
    {
        var comparer = Rent(key, policy, ownership, liveShaped: false, source, into);
        try
        {
            foreach (var field in fields)
            {
                foreach (var name in field.Path)
                {
                    comparer.Push(PathStep.Field(name));
                }

                if (field.Subtree.IsEmpty)
                {
                    comparer.CompareField(field);
                }
                else
                {
                    // Read in place: the drifts keep nodes of their own, not the document.
                    using var subtree = JsonDocument.Parse(field.Subtree);
                    comparer.CompareField(field, subtree.RootElement);
                }

                comparer._path.Clear();
                comparer._liveAt.Clear();
            }
        }
        finally
        {
            comparer.Release();
        }
    }

    /// <summary>A desired value and what live holds at its path: read as a node, or as the JSON it is written in, or absent (neither).</summary>
    /// <param name="Path">The names of the fields from the root down to the value.</param>
    /// <param name="Live">The live value as a node (a scalar, or a list matched as a whole), or null.</param>
    /// <param name="Subtree">The live value's JSON when it is not given as a node; empty otherwise.</param>
    /// <param name="Quantity">Whether the value is read as a quantity.</param>
    /// <param name="SecretData">The value is a Secret's <c>data</c> or one of its values.</param>
    public readonly record struct Field(string[] Path, Node Desired, Node? Live, ReadOnlyMemory<byte> Subtree, bool Quantity, bool SecretData);

    /// <summary>A field whose live value is a node or absent.</summary>
    private void CompareField(in Field field)
    {
        if (field.SecretData && field.Path.Length == 1)
        {
            CompareSecretData(field.Desired as MapNode ?? MapNode.Empty, default);
        }
        else if (field.SecretData)
        {
            CompareSecretValue(field.Desired, field.Live);
        }
        else
        {
            CompareField(field.Desired, field.Live, field.Quantity);
        }
    }

    /// <summary>A field whose live value is read from its JSON.</summary>
    private void CompareField(in Field field, JsonElement live)
    {
        if (field.SecretData && field.Path.Length == 1)
        {
            CompareSecretData(field.Desired as MapNode ?? MapNode.Empty, live.ValueKind == JsonValueKind.Object ? live : default);
        }
        else if (field.SecretData)
        {
            CompareSecretValue(field.Desired, JsonNodes.ToNode(live));
        }
        else if (live.ValueKind == JsonValueKind.Null)
        {
            CompareField(field.Desired, null, field.Quantity);
        }
        else
        {
            CompareValue(field.Desired, live, field.Quantity, liveParent: default);
        }
    }

    private sealed class Scratch
    {
        public List<PathStep> Path { get; } = new(MaxUsualDepth);

        public List<JsonElement> LiveAt { get; } = new(MaxUsualDepth);

        public JsonElement[] Slots { get; set; } = new JsonElement[64];
    }

    private void Push(PathStep step, JsonElement liveElement = default)
    {
        _path.Add(step);
        _liveAt.Add(liveElement);
    }

    private void Pop()
    {
        _path.RemoveAt(_path.Count - 1);
        _liveAt.RemoveAt(_liveAt.Count - 1);
    }

    /// <summary>The ownership cursor at the current path, found by walking from the root.</summary>
    private OwnerCursor CursorHere()
    {
        var cursor = _ownership!.Cursor;
        for (var i = 0; i < _path.Count; i++)
        {
            cursor = _path[i].IsElement ? cursor.Element(_liveAt[i]) : cursor.Field(_path[i].Name);
        }

        return cursor;
    }

    private int OwnerHere() => _ownership?.OwnerOf(_path, _liveAt) ?? -1;

    private void CompareValue(Node desired, JsonElement live, bool quantity, JsonElement liveParent)
    {
        if (desired.IsEmpty)
        {
            MapNode? parentNode = null;
            ReportLiveOnly(live, quantity, liveParent, ref parentNode);
            return;
        }

        if (live.ValueKind == JsonValueKind.Null)
        {
            Emit(DriftKind.Missing, desired, null, -1, quantity);
            return;
        }

        switch (desired)
        {
            case MapNode d when live.ValueKind == JsonValueKind.Object:
                CompareMap(d, live, quantity);
                break;
            case ListNode d when live.ValueKind == JsonValueKind.Array:
                CompareList(d, live, quantity);
                break;
            case ScalarNode d when JsonNodes.IsScalar(live):
                if (!ScalarEquals(d, live, quantity))
                {
                    Modified(desired, JsonNodes.ToNode(live), OwnerHere(), quantity);
                }

                break;
            default:
                Modified(desired, JsonNodes.ToNode(live), OwnerHere(), quantity);
                break;
        }
    }

    /// <summary>
    /// A field whose desired value is a scalar or an atomic list, as <see cref="CompareMap"/>,
    /// <see cref="CompareValue"/> and <see cref="CompareList"/> judge it, the live side read as a
    /// node. Only where no out-of-band manager is (the scan steps aside for one).
    /// </summary>
    private void CompareField(Node desired, Node? live, bool quantity)
    {
        if (live is null || live.Kind == NodeKind.Null)
        {
            if (!desired.IsEmpty)
            {
                Emit(DriftKind.Missing, desired, null, -1, quantity);
            }

            return;
        }

        if (desired.IsEmpty)
        {
            // Equal to absent: only an out-of-band manager could make the live value drift.
            return;
        }

        var equal = desired switch
        {
            ScalarNode d when live is ScalarNode l => ScalarEquals(d, l, quantity),
            ListNode d when live is ListNode l => AtomicEquals(d, l, quantity, strict: false),
            _ => false,
        };
        if (!equal)
        {
            Modified(desired, live, OwnerHere(), quantity);
        }
    }

    private void CompareMap(MapNode desired, JsonElement live, bool quantity)
    {
        // One pass over the live object finds the value of every desired key: looking each one
        // up would scan the object once per key.
        var count = desired.Count;
        var slots = TakeSlots(count);
        var liveOnly = 0;
        foreach (var property in live.EnumerateObject())
        {
            var index = IndexIn(desired, property);
            if (index < 0)
            {
                liveOnly++;
            }
            else
            {
                _slots[slots + index] = property.Value;
            }
        }

        for (var i = 0; i < count; i++)
        {
            var key = desired.KeyAt(i);
            var d = desired.ValueAt(i);
            var l = _slots[slots + i];
            Push(PathStep.Field(key));
            var q = quantity || desired.IsQuantityKeyAt(i, Quantity.IsContextKey);
            var hasLive = l.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null);
            if (_isSecret && _path.Count == 1 && key == "data")
            {
                CompareSecretData(d as MapNode ?? MapNode.Empty, hasLive && l.ValueKind == JsonValueKind.Object ? l : default);
            }
            else if (hasLive)
            {
                CompareValue(d, l, q, live);
            }
            else if (!d.IsEmpty)
            {
                Emit(DriftKind.Missing, d, null, -1, q);
            }

            Pop();
        }

        ReleaseSlots(slots, count);

        // Fields desired lacks matter only through their owners, and only when one is out of band.
        if (liveOnly == 0 || !LiveOnlyCounts)
        {
            return;
        }

        MapNode? liveNode = null;
        foreach (var property in live.EnumerateObject())
        {
            if (IndexIn(desired, property) >= 0)
            {
                continue;
            }

            var key = property.Name;
            if (!_liveShaped && ObjectShape.IsDropped(_path, key, _isSecret))
            {
                continue;
            }

            Push(PathStep.Field(key));
            if (_isSecret && _path.Count == 1 && key == "data" && property.Value.ValueKind == JsonValueKind.Object)
            {
                CompareSecretData(MapNode.Empty, property.Value);
            }
            else
            {
                ReportLiveOnly(property.Value, quantity || Quantity.IsContextKey(key), live, ref liveNode);
            }

            Pop();
        }
    }

    /// <summary>Where a live member's name is among desired's keys, or -1.</summary>
    private static int IndexIn(MapNode desired, JsonProperty property)
    {
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8PropertyName(property);
        return raw.IndexOf((byte)'\\') < 0 ? desired.IndexOfUtf8(raw) : desired.IndexOf(property.Name);
    }

    /// <summary>Reserves <paramref name="count"/> cleared slots for live values on the comparer's stack of them.</summary>
    private int TakeSlots(int count)
    {
        var start = _slotsUsed;
        _slotsUsed += count;
        if (_slotsUsed > _slots.Length)
        {
            Array.Resize(ref _slots, Math.Max(_slotsUsed, _slots.Length * 2));
        }

        return start;
    }

    private void ReleaseSlots(int start, int count)
    {
        Array.Clear(_slots, start, count);
        _slotsUsed = start;
    }

    /// <summary>Secret data is compared key by key on decoded bytes, and always reported at <c>/data/&lt;key&gt;</c>.</summary>
    /// <param name="live">The live <c>data</c> map, or <c>default</c> when there is none.</param>
    private void CompareSecretData(MapNode desired, JsonElement live)
    {
        var hasLive = live.ValueKind == JsonValueKind.Object;
        foreach (var (key, d) in desired.Entries)
        {
            Push(PathStep.Field(key));
            if (hasLive && live.TryGetProperty(key, out var l) && l.ValueKind != JsonValueKind.Null)
            {
                // The same text is the same bytes, and needs no node.
                if (d is not ScalarNode { Kind: NodeKind.String } text || l.ValueKind != JsonValueKind.String || !l.ValueEquals(text.Text))
                {
                    CompareSecretValue(d, JsonNodes.ToNode(l));
                }
            }
            else
            {
                CompareSecretValue(d, null);
            }

            Pop();
        }

        if (!hasLive || !LiveOnlyCounts)
        {
            return;
        }

        MapNode? liveNode = null;
        foreach (var property in live.EnumerateObject())
        {
            if (IndexIn(desired, property) < 0)
            {
                Push(PathStep.Field(property.Name));
                ReportLiveOnly(property.Value, quantity: false, live, ref liveNode);
                Pop();
            }
        }
    }

    /// <summary>
    /// One value of a Secret's data (the current path is its key), <paramref name="live"/> null
    /// when absent: the same text is the same bytes; otherwise both are sealed once here, and a
    /// sealed value is reported by its digest without hashing it again.
    /// </summary>
    private void CompareSecretValue(Node desired, Node? live)
    {
        if (live is null || live.Kind == NodeKind.Null)
        {
            if (!desired.IsEmpty)
            {
                Emit(DriftKind.Missing, desired, null, -1, quantity: false);
            }

            return;
        }

        if (desired is ScalarNode { Kind: NodeKind.String } text && live is ScalarNode { Kind: NodeKind.String } value && string.Equals(text.Text, value.Text, StringComparison.Ordinal))
        {
            return;
        }

        var sealedDesired = SecretValues.SealDesiredData(desired);
        var sealedLive = SecretValues.SealData(live);
        if (sealedDesired is not ScalarNode a || sealedLive is not ScalarNode b || !a.ValueEquals(b))
        {
            Modified(sealedDesired, sealedLive, OwnerHere(), quantity: false);
        }
    }

    private void CompareList(ListNode desired, JsonElement live, bool quantity)
    {
        var keyField = KeyedLists.KeyFieldOf(_key, _path, desired, live);
        if (keyField is null)
        {
            // The owner decides strictness only when an out-of-band manager could be it.
            var owner = LiveOnlyCounts ? OwnerHere() : -1;
            var strict = owner >= 0 && ClassOf(owner) == ManagerClass.OutOfBand;
            if (!AtomicEquals(desired, live, quantity, strict))
            {
                Modified(desired, JsonNodes.ToNode(live), LiveOnlyCounts ? owner : OwnerHere(), quantity);
            }

            return;
        }

        var length = live.GetArrayLength();
        var start = TakeSlots(length);
        var n = 0;
        foreach (var item in live.EnumerateArray())
        {
            _slots[start + n++] = item;
        }

        var matched = length <= 256 ? stackalloc bool[length] : new bool[length];
        CompareElements(desired, keyField, start, matched, quantity);
        ReleaseSlots(start, length);
    }

    private void CompareElements(ListNode desired, string keyField, int start, Span<bool> matched, bool quantity)
    {
        var items = _slots.AsSpan(start, matched.Length);
        foreach (var item in desired.Items)
        {
            var d = (MapNode)item;
            var keyText = KeyedLists.KeyText(d, keyField);
            var index = FindElement(items, keyField, (ScalarNode)d[keyField]!, keyText, matched);
            var element = index >= 0 ? items[index] : default;
            Push(PathStep.Element(keyField, keyText), element);
            if (index >= 0)
            {
                matched[index] = true;

                // Slots may move while the element is compared: it is held here, not by index.
                CompareMap(d, element, quantity);
                items = _slots.AsSpan(start, matched.Length);
            }
            else
            {
                Emit(DriftKind.Missing, d, null, -1, quantity);
            }

            Pop();
        }

        for (var i = 0; i < matched.Length; i++)
        {
            if (!matched[i])
            {
                var live = _slots[start + i];
                var element = (MapNode)JsonNodes.ToNode(live);
                Push(PathStep.Element(keyField, KeyedLists.KeyText(element, keyField)), live);
                ReportAddedElement(element, quantity);
                Pop();
            }
        }
    }

    private static int FindElement(ReadOnlySpan<JsonElement> live, string keyField, ScalarNode desiredKey, string keyText, Span<bool> matched)
    {
        for (var i = 0; i < live.Length; i++)
        {
            // Keys match by their text (a port written "8080" is port 8080); equal values have equal texts.
            if (!matched[i] && live[i].TryGetProperty(keyField, out var key) && (JsonNodes.ValueEquals(desiredKey, key) || JsonNodes.KeyTextEquals(key, keyText)))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A live element of a keyed list that desired declares, missing from desired (the current path is the element).</summary>
    private void ReportAddedElement(MapNode live, bool quantity)
    {
        if (_ownership is null)
        {
            Emit(DriftKind.Added, null, live, -1, quantity);
            return;
        }

        var cursor = CursorHere();
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

    /// <summary>A live value at the current path that desired lacks (or declares empty).</summary>
    /// <param name="parentNode">The parent as nodes, made on first need and kept by the caller for its siblings.</param>
    private void ReportLiveOnly(JsonElement live, bool quantity, JsonElement liveParent, ref MapNode? parentNode)
    {
        // Nothing out of band under this field: nothing of it can be drift, so it is not walked.
        if (!LiveOnlyCounts || JsonNodes.IsEmpty(live) || !_ownership!.OutOfBandReaches(_path, _liveAt))
        {
            return;
        }

        parentNode ??= (MapNode)JsonNodes.ToNode(liveParent);
        ReportLiveOnly(JsonNodes.ToNode(live), CursorHere(), quantity, parentNode);
    }

    /// <summary>
    /// A live subtree absent from desired is drift only through its owners: reported at the
    /// shallowest paths whose owned fields all belong to out-of-band managers.
    /// </summary>
    private void ReportLiveOnly(Node live, OwnerCursor cursor, bool quantity, MapNode? liveParent)
    {
        if (!LiveOnlyCounts || live.IsEmpty)
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
                Push(PathStep.Field(key));
                ReportLiveOnly(map.ValueAt(i), cursor.Field(key), quantity || Quantity.IsContextKey(key), map);
                Pop();
            }
        }
        else if (live is ListNode list && KeyedLists.KeyFieldOf(_key, _path, ListNode.Empty, list) is { } keyField)
        {
            foreach (var item in list.Items)
            {
                var element = (MapNode)item;
                Push(PathStep.Element(keyField, KeyedLists.KeyText(element, keyField)));
                ReportLiveOnly(element, cursor.Element(element), quantity, null);
                Pop();
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
                    Push(PathStep.Field(map.KeyAt(i)));
                    CollectOwners(map.ValueAt(i), cursor.Field(map.KeyAt(i)), ranks, map);
                    Pop();
                }

                break;
            case ListNode { Count: > 0 } list when KeyedLists.KeyFieldOf(_key, _path, ListNode.Empty, list) is { } keyField:
                foreach (var item in list.Items)
                {
                    var element = (MapNode)item;
                    Push(PathStep.Element(keyField, KeyedLists.KeyText(element, keyField)));
                    CollectOwners(element, cursor.Element(element), ranks);
                    Pop();
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
    private static bool AtomicEquals(Node desired, JsonElement live, bool quantity, bool strict)
    {
        if (desired.IsEmpty)
        {
            return !strict || JsonNodes.IsEmpty(live);
        }

        switch (desired)
        {
            case MapNode d when live.ValueKind == JsonValueKind.Object:
                for (var i = 0; i < d.Count; i++)
                {
                    var key = d.KeyAt(i);
                    var q = quantity || d.IsQuantityKeyAt(i, Quantity.IsContextKey);
                    if (live.TryGetProperty(key, out var lv) && lv.ValueKind != JsonValueKind.Null)
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
                    foreach (var property in live.EnumerateObject())
                    {
                        if (!JsonNodes.IsEmpty(property.Value) && (d[property.Name]?.IsEmpty ?? true))
                        {
                            return false;
                        }
                    }
                }

                return true;
            case ListNode d when live.ValueKind == JsonValueKind.Array:
                if (d.Count != live.GetArrayLength())
                {
                    return false;
                }

                var index = 0;
                foreach (var item in live.EnumerateArray())
                {
                    if (!AtomicEquals(d[index++], item, quantity, strict))
                    {
                        return false;
                    }
                }

                return true;
            case ScalarNode d when JsonNodes.IsScalar(live):
                return ScalarEquals(d, live, quantity);
            default:
                return false;
        }
    }

    /// <summary>As the other overload, for a live value read as nodes.</summary>
    private static bool AtomicEquals(Node desired, Node live, bool quantity, bool strict)
    {
        if (desired.IsEmpty)
        {
            return !strict || live.IsEmpty;
        }

        switch (desired)
        {
            case MapNode d when live is MapNode l:
                for (var i = 0; i < d.Count; i++)
                {
                    var q = quantity || d.IsQuantityKeyAt(i, Quantity.IsContextKey);
                    if (l.TryGet(d.KeyAt(i), out var lv) && lv.Kind != NodeKind.Null)
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
            case ListNode d when live is ListNode l:
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
            case ScalarNode d when live is ScalarNode l:
                return ScalarEquals(d, l, quantity);
            default:
                return false;
        }
    }

    private static bool ScalarEquals(ScalarNode desired, JsonElement live, bool quantity)
    {
        if (JsonNodes.ValueEquals(desired, live))
        {
            return true;
        }

        return quantity && Quantity.TryParse(desired, out var d) && Quantity.TryParse(JsonNodes.ToScalar(live), out var l) && d.Value == l.Value;
    }

    /// <summary>As the other overload, for a live value read as a node.</summary>
    private static bool ScalarEquals(ScalarNode desired, ScalarNode live, bool quantity) =>
        desired.ValueEquals(live)
        || (quantity && Quantity.TryParse(desired, out var d) && Quantity.TryParse(live, out var l) && d.Value == l.Value);

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
