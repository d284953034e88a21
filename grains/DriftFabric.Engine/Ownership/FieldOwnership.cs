using System.Globalization;
using System.Text;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Engine.Ownership;

/// <summary>One <c>metadata.managedFields</c> entry, ranked by recency (higher is newer).</summary>
public sealed record ManagedFieldsEntry(string Manager, string? Operation, string? Subresource, DateTimeOffset? Time, ManagerClass Class, int Rank)
{
    public bool IsStatus => Subresource == "status";
}

/// <summary>
/// Who owns each live field, from <c>metadata.managedFields</c>. A field is owned by the most
/// recent entry that names it; failing that, by the most recent entry that names one of its
/// ancestors as a leaf (<c>{}</c>: atomic maps and lists are owned whole).
/// </summary>
public sealed class FieldOwnership
{
    private FieldOwnership(ManagedFieldsEntry[] entriesByRank, OwnershipNode root)
    {
        Entries = entriesByRank;
        Root = root;
    }

    /// <summary>Entries indexed by rank: <c>Entries[rank]</c>, oldest first.</summary>
    public IReadOnlyList<ManagedFieldsEntry> Entries { get; }

    internal OwnershipNode Root { get; }

    public OwnerCursor Cursor => new(Root, -1);

    /// <summary>The entry that created the object: the oldest one that is not a status entry.</summary>
    public ManagedFieldsEntry? Creator
    {
        get
        {
            foreach (var entry in Entries)
            {
                if (!entry.IsStatus)
                {
                    return entry;
                }
            }

            return null;
        }
    }

    /// <summary>Reads the live object's managedFields; null when it has none (a dump taken without them).</summary>
    public static FieldOwnership? From(MapNode liveRoot, ManagerClassifier classifier)
    {
        if (liveRoot.GetMap("metadata")?["managedFields"] is not ListNode { Count: > 0 } list)
        {
            return null;
        }

        var raw = new List<(MapNode Entry, DateTimeOffset? Time, int Index)>();
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is MapNode entry && entry.GetString("manager") is not null)
            {
                raw.Add((entry, ParseTime(entry.GetString("time")), i));
            }
        }

        raw.Sort((a, b) =>
        {
            var byTime = Nullable.Compare(a.Time, b.Time);
            return byTime != 0 ? byTime : a.Index.CompareTo(b.Index);
        });

        var entries = new ManagedFieldsEntry[raw.Count];
        var root = new OwnershipNode();
        for (var rank = 0; rank < raw.Count; rank++)
        {
            var (entry, time, _) = raw[rank];
            var manager = entry.GetString("manager")!;
            var operation = entry.GetString("operation");
            var subresource = entry.GetString("subresource");
            entries[rank] = new ManagedFieldsEntry(manager, operation, subresource, time, classifier.Classify(manager, operation, subresource), rank);
            if (entry["fieldsV1"] is MapNode fields)
            {
                root.Merge(fields, rank);
            }
        }

        return new FieldOwnership(entries, root);
    }

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
}

/// <summary>A node of the merged fieldsV1 trie, with the best (most recent) rank naming it.</summary>
internal sealed class OwnershipNode
{
    private Dictionary<string, OwnershipNode>? _fields;
    private List<(MapNode Key, OwnershipNode Node)>? _keyed;
    private List<(Node Value, OwnershipNode Node)>? _values;

    /// <summary>Most recent entry that names this node at all.</summary>
    public int Named { get; private set; } = -1;

    /// <summary>Most recent entry that names this node as a leaf, owning all below it.</summary>
    public int Leaf { get; private set; } = -1;

    /// <summary>Most recent entry that owns this element or map itself (<c>"."</c>).</summary>
    public int Self { get; private set; } = -1;

    public OwnershipNode? Field(string name) => _fields is not null && _fields.TryGetValue(name, out var child) ? child : null;

    public OwnershipNode? Element(MapNode liveElement)
    {
        if (_keyed is null)
        {
            return null;
        }

        foreach (var (key, node) in _keyed)
        {
            if (KeyMatches(key, liveElement))
            {
                return node;
            }
        }

        return null;
    }

    public OwnershipNode? Value(Node liveValue)
    {
        if (_values is null || liveValue is not ScalarNode scalar)
        {
            return null;
        }

        foreach (var (value, node) in _values)
        {
            if (value is ScalarNode s && s.ValueEquals(scalar))
            {
                return node;
            }
        }

        return null;
    }

    public void Merge(MapNode fields, int rank)
    {
        foreach (var (key, value) in fields.Entries)
        {
            if (key == ".")
            {
                Self = Math.Max(Self, rank);
                continue;
            }

            var child = Child(key);
            if (child is null)
            {
                continue;
            }

            child.Named = Math.Max(child.Named, rank);
            if (value is MapNode sub && sub.Count > 0)
            {
                child.Merge(sub, rank);
            }
            else
            {
                child.Leaf = Math.Max(child.Leaf, rank);
            }
        }
    }

    private OwnershipNode? Child(string key)
    {
        if (key.Length < 2 || key[1] != ':')
        {
            return null;
        }

        var body = key[2..];
        switch (key[0])
        {
            case 'f':
                _fields ??= new Dictionary<string, OwnershipNode>(StringComparer.Ordinal);
                if (!_fields.TryGetValue(body, out var field))
                {
                    field = new OwnershipNode();
                    _fields[body] = field;
                }

                return field;
            case 'k':
                if (ParseJson(body) is not MapNode keyMap)
                {
                    return null;
                }

                _keyed ??= [];
                foreach (var (existing, node) in _keyed)
                {
                    if (existing.Count == keyMap.Count && KeyMatches(existing, keyMap))
                    {
                        return node;
                    }
                }

                var keyed = new OwnershipNode();
                _keyed.Add((keyMap, keyed));
                return keyed;
            case 'v':
                if (ParseJson(body) is not { } value)
                {
                    return null;
                }

                _values ??= [];
                var valueNode = new OwnershipNode();
                _values.Add((value, valueNode));
                return valueNode;
            default:
                // i:<index> names positions in atomic lists; ownership of the list covers them.
                return null;
        }
    }

    private static Node? ParseJson(string text)
    {
        try
        {
            var values = JsonReader.ReadValues(Encoding.UTF8.GetBytes(text));
            return values.Count == 1 ? values[0] : null;
        }
        catch (ParseException)
        {
            return null;
        }
    }

    /// <summary>Every key field of the managedFields key equals the live element's field.</summary>
    private static bool KeyMatches(MapNode key, MapNode element)
    {
        foreach (var (name, expected) in key.Entries)
        {
            if (element[name] is not ScalarNode actual || expected is not ScalarNode e || !e.ValueEquals(actual))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// A position in the ownership trie while walking a live object, with the leaf owner inherited
/// from above. <c>default</c> is a cursor where nobody owns anything.
/// </summary>
public readonly struct OwnerCursor
{
    private readonly OwnershipNode? _node;

    // Rank + 1, so that default(OwnerCursor) means "no owner" rather than rank 0.
    private readonly int _inheritedPlusOne;

    internal OwnerCursor(OwnershipNode? node, int inherited)
    {
        _node = node;
        _inheritedPlusOne = (node is null ? inherited : Math.Max(inherited, node.Leaf)) + 1;
    }

    /// <summary>Rank of the owner of this field, or -1 when nobody owns it.</summary>
    public int Owner => _node is { Named: >= 0 } n ? n.Named : Inherited;

    /// <summary>Rank of the owner of this list element itself (<c>"."</c>), else of the element as a field.</summary>
    public int ElementOwner => _node is { Self: >= 0 } n ? n.Self : Owner;

    /// <summary>Rank of the entry that owns this map or element itself, or -1.</summary>
    public int SelfOwner => _node?.Self ?? -1;

    private int Inherited => _inheritedPlusOne - 1;

    public OwnerCursor Field(string name) => new(_node?.Field(name), Inherited);

    public OwnerCursor Element(MapNode liveElement) => new(_node?.Element(liveElement), Inherited);

    public OwnerCursor Value(Node liveValue) => new(_node?.Value(liveValue), Inherited);
}
