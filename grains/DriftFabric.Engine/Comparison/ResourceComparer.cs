using System.Text.Json;
using DriftFabric.Engine.Defaults;
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
    private readonly SchemaField? _schema;
    private readonly bool _isSecret;
    private readonly bool _liveShaped;
    private readonly SourceLocation _source;
    private readonly List<PathStep> _path;

    // The whole live object (default when only fields of it are compared): what "the applier
    // owns a field this object declares with the value desired gives it" is read against.
    private readonly JsonElement _liveRoot;
    private MapNode? _desiredRoot;

    // The live element of each element step of _path (default for field steps): where the
    // ownership of the current path is looked up, when it is.
    private readonly List<JsonElement> _liveAt;
    private readonly List<Drift> _drifts;
    private readonly Scratch _scratch;

    // The live value of each desired key of the maps being compared (and the items of keyed
    // lists), a frame per nesting level.
    private JsonElement[] _slots;
    private int _slotsUsed;

    // Appliers found to be this object's pipeline (or another's), by rank, once asked.
    private Dictionary<int, bool>? _pipelines;

    // The live element being judged has a key desired declares too (it is a second one).
    private bool _duplicateKey;

    // Each thread keeps the buffers of its last comparison: a comparison in sync then allocates
    // next to nothing, which on a busy silo is most of the cost of a watch event.
    [ThreadStatic]
    private static Scratch? t_scratch;

    private ResourceComparer(in Context context, List<Drift> drifts, Scratch scratch)
    {
        _scratch = scratch;
        _path = scratch.Path;
        _liveAt = scratch.LiveAt;
        _slots = scratch.Slots;
        _key = context.Key;
        _policy = context.Policy;
        _ownership = context.Ownership;
        _schema = context.Schema;
        _isSecret = context.Key.IsSecret;
        _liveShaped = context.LiveShaped;
        _liveRoot = context.LiveRoot;
        _source = context.Source;
        _drifts = drifts;
    }

    /// <summary>What one comparison is about: the object, its policy, who owns its live fields, and the defaults of its kind.</summary>
    /// <param name="Schema">What is known of the kind's fields and their defaults (<see cref="ResourceSchemas.RootOf"/>), or null.</param>
    /// <param name="LiveRoot">The whole live object, or <c>default</c> when only fields of it are compared.</param>
    /// <param name="LiveShaped">The live side is already cut to its comparable shape (ignored paths pruned).</param>
    internal readonly record struct Context(ResourceKey Key, DriftPolicy Policy, FieldOwnership? Ownership, SchemaField? Schema, SourceLocation Source, JsonElement LiveRoot = default, bool LiveShaped = false);

    /// <summary>True when a live field that desired lacks can be drift at all: some out-of-band manager wrote to the object, or the pipeline applied what the code may have dropped.</summary>
    private bool LiveOnlyCounts => _ownership is { LiveOnlyMayDrift: true };

    /// <param name="applied">Where the verdict on what the pipeline applied is kept (null: with <paramref name="desired"/>).</param>
    public static void Compare(ResourceKey key, Manifest desired, Manifest live, DriftPolicy policy, ResourceSchemas schemas, List<Drift> into, AppliedVerdicts? applied = null)
    {
        var ignored = desired.IgnoredPaths.Count == 0 ? policy.IgnoredPaths(key) : [.. policy.IgnoredPaths(key), .. desired.IgnoredPaths];
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

        if (ownership is not null && (!ownership.LastAppliedToken.IsEmpty || ownership.HasApplyAppliers))
        {
            // Settled once per way the object was applied: then no live field need be asked about it.
            var verdicts = applied ?? desired.AppliedVerdicts;
            if (!verdicts.TryGet(ownership, out var declared, out var verdictKey))
            {
                declared = AppliedCoverage.AllDeclared(ownership, desiredRoot, key);
                verdicts.Remember(verdictKey, declared);
            }

            ownership.AppliedAllDeclared = declared;
        }

        var context = new Context(key, policy, ownership, schemas.RootOf(key, desired.ApiVersion), desired.Location, liveRoot, liveShaped);
        Compare(context, desiredRoot, into);
    }

    private static void Compare(in Context context, MapNode desiredRoot, List<Drift> into)
    {
        var comparer = Rent(context, into);
        try
        {
            comparer._desiredRoot = desiredRoot;
            comparer.CompareMap(desiredRoot, context.LiveRoot, quantity: false);
        }
        finally
        {
            comparer.Release();
        }
    }

    /// <summary>A comparer on the thread's buffers; hand them back with <see cref="Release"/>.</summary>
    private static ResourceComparer Rent(in Context context, List<Drift> into)
    {
        var scratch = t_scratch ?? new Scratch();
        t_scratch = null;
        return new ResourceComparer(context, into, scratch);
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
    public static void CompareFields(in Context context, List<Drift> into, IReadOnlyList<Field> fields)
    {
        var comparer = Rent(context, into);
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
    /// <param name="Parent">The desired map holding the value.</param>
    public readonly record struct Field(string[] Path, Node Desired, Node? Live, ReadOnlyMemory<byte> Subtree, bool Quantity, bool SecretData, MapNode Parent);

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
            CompareField(field.Desired, field.Live, field.Quantity, field.Parent);
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
            CompareField(field.Desired, null, field.Quantity, field.Parent);
        }
        else
        {
            CompareValue(field.Desired, live, field.Quantity, liveParent: default, field.Parent);
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

    private int OwnerHere() => _ownership?.OwnerOf(_path, _liveAt) ?? -1;

    private void CompareValue(Node desired, JsonElement live, bool quantity, JsonElement liveParent, MapNode desiredParent)
    {
        if (desired.IsEmpty)
        {
            ReportLiveOnly(live, quantity, liveParent);
            return;
        }

        if (live.ValueKind == JsonValueKind.Null)
        {
            Missing(desired, quantity, desiredParent);
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
    private void CompareField(Node desired, Node? live, bool quantity, MapNode desiredParent)
    {
        if (live is null || live.Kind == NodeKind.Null)
        {
            if (!desired.IsEmpty)
            {
                Missing(desired, quantity, desiredParent);
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
                CompareValue(d, l, q, live, desired);
            }
            else if (!d.IsEmpty)
            {
                Missing(d, q, desired);
            }

            Pop();
        }

        ReleaseSlots(slots, count);

        // Fields desired lacks matter only through their owners or what the pipeline applied.
        if (liveOnly == 0 || !LiveOnlyCounts)
        {
            return;
        }

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
                ReportLiveOnly(property.Value, quantity || Quantity.IsContextKey(key), live);
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

        foreach (var property in live.EnumerateObject())
        {
            if (IndexIn(desired, property) < 0)
            {
                Push(PathStep.Field(property.Name));
                ReportLiveOnly(property.Value, quantity: false, live);
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

        var sealedDesired = SecretValues.SealDesiredData(desired, _policy.SecretDigest);
        var sealedLive = SecretValues.SealData(live, _policy.SecretDigest);
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
            var owner = _ownership is { HasOutOfBand: true } ? OwnerHere() : -1;
            var strict = owner >= 0 && ClassOf(owner) == ManagerClass.OutOfBand;
            if (!AtomicEquals(desired, live, quantity, strict))
            {
                Modified(desired, JsonNodes.ToNode(live), owner >= 0 ? owner : OwnerHere(), quantity);
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
            var step = KeyedLists.StepOf(d, keyField);
            var index = FindElement(items, d, keyField, step.Name, matched);
            var element = index >= 0 ? items[index] : default;
            Push(step, element);
            if (index >= 0)
            {
                matched[index] = true;

                // Slots may move while the element is compared: it is held here, not by index.
                CompareMap(d, element, quantity);
                items = _slots.AsSpan(start, matched.Length);
            }
            else
            {
                Missing(d, quantity, null);
            }

            Pop();
        }

        for (var i = 0; i < matched.Length; i++)
        {
            if (!matched[i])
            {
                var live = _slots[start + i];
                var step = KeyedLists.StepOf(live, keyField);
                Push(step, live);

                // A second live element with a key desired declares is not one the code dropped.
                _duplicateKey = IsDeclared(desired, keyField, step);
                ReportAddedElement(live, quantity);
                _duplicateKey = false;
                Pop();
            }
        }
    }

    private static bool IsDeclared(ListNode desired, string keyField, PathStep step)
    {
        foreach (var item in desired.Items)
        {
            if (KeyedLists.StepOf((MapNode)item, keyField) == step)
            {
                return true;
            }
        }

        return false;
    }

    private static int FindElement(ReadOnlySpan<JsonElement> live, MapNode desired, string keyField, string keyText, Span<bool> matched)
    {
        for (var i = 0; i < live.Length; i++)
        {
            if (!matched[i] && KeyedLists.SameKey(desired, live[i], keyField, keyText))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A live element of a keyed list that desired declares, missing from desired (the current path is the element).</summary>
    private void ReportAddedElement(JsonElement live, bool quantity)
    {
        if (_ownership is null)
        {
            // Without managedFields nothing tells who added it: an element is drift whoever did.
            if (!IsAllServerDefault(live))
            {
                Emit(DriftKind.Added, null, JsonNodes.ToNode(live), -1, quantity);
            }

            return;
        }

        // Only an out-of-band manager, or what the pipeline applied and dropped, makes it drift.
        if (LiveOnlyCounts && _ownership.LiveOnlyReaches(_path, _liveAt, _isSecret))
        {
            ReportSubtree(live, quantity, default, _path.Count);
        }
    }

    /// <summary>A live value at the current path that desired lacks (or declares empty).</summary>
    private void ReportLiveOnly(JsonElement live, bool quantity, JsonElement liveParent)
    {
        // Nothing under this field anyone could have made drift: it is not walked.
        if (!LiveOnlyCounts || JsonNodes.IsEmpty(live) || !_ownership!.LiveOnlyReaches(_path, _liveAt, _isSecret))
        {
            return;
        }

        ReportSubtree(live, quantity, liveParent, _path.Count);
    }

    /// <summary>
    /// A live subtree desired lacks, at the current path, <paramref name="subtreeDepth"/> steps
    /// down: reported whole when every field in it that is drift at all is drift (owned out of
    /// band, or applied by the pipeline and dropped from the code) and at least one is; else its
    /// parts, at the shallowest paths where that holds. Server defaults and appliers'
    /// bookkeeping take no part, so they neither block nor widen the path.
    /// </summary>
    private void ReportSubtree(JsonElement live, bool quantity, JsonElement liveParent, int subtreeDepth)
    {
        var verdict = Judge(live, liveParent, subtreeDepth);
        if (!verdict.Blocked && verdict.Rank >= 0)
        {
            Emit(DriftKind.Added, null, JsonNodes.ToNode(live), verdict.Rank, quantity);
            return;
        }

        if (!verdict.Blocked || verdict.Rank < 0)
        {
            return;
        }

        if (live.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in live.EnumerateObject())
            {
                if (!IsNeverJudged(property.Name))
                {
                    Push(PathStep.Field(property.Name));
                    ReportSubtree(property.Value, quantity || Quantity.IsContextKey(property.Name), live, subtreeDepth);
                    Pop();
                }
            }
        }
        else if (live.ValueKind == JsonValueKind.Array && KeyedLists.KeyFieldOf(_key, _path, ListNode.Empty, live) is { } keyField)
        {
            foreach (var item in live.EnumerateArray())
            {
                Push(KeyedLists.StepOf(item, keyField), item);
                ReportSubtree(item, quantity, default, subtreeDepth);
                Pop();
            }
        }
    }

    /// <summary>What the fields of a live subtree desired lacks (at the current path) say about it.</summary>
    private struct Verdict
    {
        /// <summary>Some field is not drift: a controller's, or the pipeline's and still declared.</summary>
        public bool Blocked;

        /// <summary>The newest manager of a field that is drift, or -1 when none is.</summary>
        public int Rank;

        /// <summary>Some field holds no default (nor is bookkeeping).</summary>
        public bool Judged;

        public static Verdict None => new() { Rank = -1 };

        public void Add(in Verdict other)
        {
            Blocked |= other.Blocked;
            Rank = Math.Max(Rank, other.Rank);
            Judged |= other.Judged;
        }
    }

    private Verdict Judge(JsonElement live, JsonElement liveParent, int subtreeDepth)
    {
        var verdict = Verdict.None;
        if (JsonNodes.IsEmpty(live) || Bookkeeping.IsBookkeeping(_path))
        {
            return verdict;
        }

        var keyField = live.ValueKind == JsonValueKind.Array ? KeyedLists.KeyFieldOf(_key, _path, ListNode.Empty, live) : null;
        if ((live.ValueKind != JsonValueKind.Object && keyField is null) || IsServerDefault(live, liveParent))
        {
            // A leaf: a scalar, or a list matched whole (or a map that is a default whole).
            return IsServerDefault(live, liveParent) ? verdict : JudgeLeaf(subtreeDepth);
        }

        if (keyField is null)
        {
            foreach (var property in live.EnumerateObject())
            {
                if (!IsNeverJudged(property.Name))
                {
                    Push(PathStep.Field(property.Name));
                    verdict.Add(Judge(property.Value, live, subtreeDepth));
                    Pop();
                }
            }
        }
        else
        {
            foreach (var item in live.EnumerateArray())
            {
                Push(KeyedLists.StepOf(item, keyField), item);
                verdict.Add(Judge(item, default, subtreeDepth));
                Pop();
            }
        }

        // Who made the map or element itself counts only for what in it is not a default.
        if (verdict.Judged && live.ValueKind == JsonValueKind.Object && _ownership!.MadeBy(_path, _liveAt) is >= 0 and var maker)
        {
            verdict.Add(JudgeOwned(maker, subtreeDepth));
        }

        return verdict;
    }

    /// <summary>One field desired lacks, at the current path, that holds no default.</summary>
    private Verdict JudgeLeaf(int subtreeDepth)
    {
        var owner = OwnerHere();
        if (owner < 0)
        {
            var applied = AppliedHere(subtreeDepth);
            return new Verdict { Rank = applied, Judged = true };
        }

        return JudgeOwned(owner, subtreeDepth);
    }

    private Verdict JudgeOwned(int owner, int subtreeDepth)
    {
        switch (ClassOf(owner))
        {
            case ManagerClass.OutOfBand:
                return new Verdict { Rank = owner, Judged = true };
            case ManagerClass.Controller:
                return new Verdict { Rank = -1, Blocked = true, Judged = true };
            default:
                var applied = AppliedHere(subtreeDepth);
                return applied >= 0 ? new Verdict { Rank = applied, Judged = true } : new Verdict { Rank = -1, Blocked = true, Judged = true };
        }
    }

    /// <summary>
    /// The applier that applied the field at the current path and whose code has since dropped
    /// it (see <see cref="FieldOwnership.AppliedBy"/>), or -1: none did, or that applier is
    /// another pipeline's (it owns no field this object declares with the value it declares).
    /// </summary>
    private int AppliedHere(int subtreeDepth)
    {
        if (_duplicateKey)
        {
            return -1;
        }

        var applied = _ownership!.AppliedBy(_path, _liveAt, subtreeDepth, _isSecret);
        return applied >= 0 && IsThisPipeline(applied) ? applied : -1;
    }

    private bool IsThisPipeline(int rank)
    {
        _pipelines ??= [];
        if (!_pipelines.TryGetValue(rank, out var ours))
        {
            // Only a whole live object can say; a part of one is compared only when nothing applied was dropped.
            ours = _liveRoot.ValueKind != JsonValueKind.Object || _desiredRoot is null
                || new DeclaredFields(_key, _ownership!, rank).OwnsOneOf(_desiredRoot, _liveRoot);
            _pipelines[rank] = ours;
        }

        return ours;
    }

    /// <summary>Fields below the current map that no comparison looks at (identity, system metadata).</summary>
    private bool IsNeverJudged(string name) => !_liveShaped && ObjectShape.IsDropped(_path, name, _isSecret);

    /// <summary>What is known of the field at the current path: its default, its shape below.</summary>
    private SchemaField? SchemaHere() => ResourceSchemas.At(_schema, _path, _path.Count);

    /// <summary>True when the live value at the current path is what the server fills in there.</summary>
    private bool IsServerDefault(JsonElement live, JsonElement liveParent)
    {
        if (SchemaHere()?.Default is not { } rule)
        {
            return false;
        }

        var parent = rule.Literal is null && liveParent.ValueKind == JsonValueKind.Object ? (MapNode)JsonNodes.ToNode(liveParent) : null;
        return rule.Matches(new DefaultContext(JsonNodes.ToNode(live), parent, _key));
    }

    /// <summary>True when every field of a live element (the current path) holds its default.</summary>
    private bool IsAllServerDefault(JsonElement live) => ResourceSchemas.IsAllDefault(SchemaHere(), _key, JsonNodes.ToNode(live), null);

    /// <summary>
    /// A desired value absent live: no drift when it is the field's default (the server leaves
    /// defaults and the zero values of non-pointer fields out), else <c>Missing</c>.
    /// </summary>
    private void Missing(Node desired, bool quantity, MapNode? desiredParent)
    {
        if (!ResourceSchemas.IsAllDefault(SchemaHere(), _key, desired, desiredParent))
        {
            Emit(DriftKind.Missing, desired, null, -1, quantity);
        }
    }

    /// <summary>
    /// Atomic lists match element by element under the same rules; when an out-of-band manager
    /// owns the list, live fields that desired lacks count as a mismatch too. Values are first
    /// matched as written; only a mismatch is looked at again with the defaults of the list's
    /// fields (a desired default absent live, a live default desired lacks: equal).
    /// </summary>
    private bool AtomicEquals(Node desired, JsonElement live, bool quantity, bool strict) =>
        AtomicEquals(desired, live, quantity, strict, null) || (SchemaHere() is { } schema && AtomicEquals(desired, live, quantity, strict, schema));

    /// <summary>As the other overload, for a live value read as nodes.</summary>
    private bool AtomicEquals(Node desired, Node live, bool quantity, bool strict) =>
        AtomicEquals(desired, live, quantity, strict, null) || (SchemaHere() is { } schema && AtomicEquals(desired, live, quantity, strict, schema));

    private bool AtomicEquals(Node desired, JsonElement live, bool quantity, bool strict, SchemaField? schema)
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
                        if (!AtomicEquals(d.ValueAt(i), lv, q, strict, schema?.Field(key)))
                        {
                            return false;
                        }
                    }
                    else if (!d.ValueAt(i).IsEmpty && !ResourceSchemas.IsAllDefault(schema?.Field(key), _key, d.ValueAt(i), d))
                    {
                        return false;
                    }
                }

                if (strict)
                {
                    MapNode? parent = null;
                    foreach (var property in live.EnumerateObject())
                    {
                        if (!JsonNodes.IsEmpty(property.Value) && (d[property.Name]?.IsEmpty ?? true)
                            && !(schema?.Field(property.Name)?.Default is { } rule
                                && rule.Matches(new DefaultContext(JsonNodes.ToNode(property.Value), parent ??= (MapNode)JsonNodes.ToNode(live), _key))))
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
                    if (!AtomicEquals(d[index++], item, quantity, strict, schema?.Items))
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

    private bool AtomicEquals(Node desired, Node live, bool quantity, bool strict, SchemaField? schema)
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
                    var key = d.KeyAt(i);
                    var q = quantity || d.IsQuantityKeyAt(i, Quantity.IsContextKey);
                    if (l.TryGet(key, out var lv) && lv.Kind != NodeKind.Null)
                    {
                        if (!AtomicEquals(d.ValueAt(i), lv, q, strict, schema?.Field(key)))
                        {
                            return false;
                        }
                    }
                    else if (!d.ValueAt(i).IsEmpty && !ResourceSchemas.IsAllDefault(schema?.Field(key), _key, d.ValueAt(i), d))
                    {
                        return false;
                    }
                }

                if (strict)
                {
                    for (var i = 0; i < l.Count; i++)
                    {
                        if (!l.ValueAt(i).IsEmpty && (d[l.KeyAt(i)]?.IsEmpty ?? true)
                            && !(schema?.Field(l.KeyAt(i))?.Default is { } rule && rule.Matches(new DefaultContext(l.ValueAt(i), l, _key))))
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
                    if (!AtomicEquals(d[i], l[i], quantity, strict, schema?.Items))
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

    /// <summary>As the other overload, for a live value read as a node (and for two versions of one object: see <see cref="VersionComparer"/>).</summary>
    internal static bool ScalarEquals(ScalarNode desired, ScalarNode live, bool quantity) =>
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
            ReportValues.Prepare(desired, _path, quantity, _isSecret, _policy.SecretDigest),
            ReportValues.Prepare(live, _path, quantity, _isSecret, _policy.SecretDigest),
            entry?.Manager,
            entry?.Time,
            _source.AtLine(line)));
    }
}
