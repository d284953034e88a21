using System.Text;
using System.Text.Json;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Comparison;

/// <summary>
/// One forward read of a live object's JSON against desired state, before any document is
/// built: what a watch event costs when its object is in sync, which most are.
/// </summary>
/// <remarks>
/// <para>
/// The scan settles only what it is sure of. Without an out-of-band manager among the object's
/// managedFields, a field desired lacks is never drift, so the object is in sync when every
/// desired value is in live and equal as written (strings by text, numbers by value, lists
/// element by element in order). Everything else is a suspect, not a verdict: a value that
/// differs, a field that is missing, a list in another order, a quantity written differently.
/// </para>
/// <para>
/// Suspects go to <see cref="ResourceComparer"/>, the one place where the drift rules live, with
/// the ownership the scan read from managedFields on its way (each fieldsV1 indexed as read).
/// Each suspect is handed over as a field (<see cref="Fields"/>): its path (only maps lie above
/// it), its desired value, and its live value, read as a node when a scalar or a list matched as
/// a whole, else parsed from the bytes it was written in. The comparer judges each as it would
/// have judged it in the whole object. An out-of-band manager, a member name written with
/// escapes or written twice, or JSON that does not read makes the scan step aside: the object
/// is parsed whole.
/// </para>
/// One instance per thread, reused; not thread-safe.
/// </remarks>
internal sealed class LiveScan
{
    [ThreadStatic]
    private static LiveScan? t_scan;

    private readonly List<Suspect> _suspects = [];
    private ManagerClassifier _managers = ManagerClassifier.Default;
    private bool _isSecret;
    private bool _whole;
    private bool _metadataSeen;
    private bool _managedSeen;

    // How many items the managedFields list has (-1: it is not a list), and the entries among
    // them, as the comparer's ownership reads them.
    private int _managedItems;
    private readonly List<ScannedEntry> _entries = [];
    private readonly FieldsIndex _fields = new();
    private readonly List<ResourceComparer.Field> _fieldsFound = [];
    private readonly List<PathStep> _path = [];

    // Where the object's last-applied-configuration annotation is (its JSON string), if it has one.
    private Range _lastApplied;
    private FieldOwnership? _ownership;

    // The scan found everything the pipeline applied still declared (set before ownership is made, or on it).
    private bool _appliedDeclared;

    public enum Outcome
    {
        /// <summary>The comparer would find nothing: no drift.</summary>
        InSync,

        /// <summary>Some desired values could not be settled: see <see cref="Fields"/>.</summary>
        Suspects,

        /// <summary>The scan cannot vouch for its shortcuts here: compare the whole object.</summary>
        Whole,
    }

    /// <summary>What a map or value is, where the rules differ from the rest.</summary>
    private enum Level
    {
        Root,
        Metadata,
        Below,

        /// <summary>A Secret's <c>data</c> map.</summary>
        SecretDataMap,

        /// <summary>A value in a Secret's <c>data</c>.</summary>
        SecretData,

        /// <summary>The object's own <c>metadata.annotations</c>.</summary>
        Annotations,
    }

    /// <summary>A desired key the scan could not settle, and where its live value is in the input (<c>Start</c> -1: absent).</summary>
    /// <param name="Parent">The record of the enclosing map, -1 at the root; records are kept in depth-first order.</param>
    /// <param name="Descended">The values are both maps and were scanned key by key: the suspects inside are its children.</param>
    private record struct Suspect(MapNode Map, int Index, int Parent, int Start, int End, bool Descended);

    /// <summary>The thread's scan, emptied; hand it back with <see cref="Return"/>.</summary>
    public static LiveScan Rent()
    {
        var scan = t_scan ?? new LiveScan();
        t_scan = null;
        return scan;
    }

    /// <summary>Forgets the object (nothing of it stays reachable) and keeps the scan for the thread's next one.</summary>
    public void Return()
    {
        _suspects.Clear();
        _entries.Clear();
        _fieldsFound.Clear();
        _fields.Reset(default);
        _ownership = null;

        // One object with a huge managedFields does not pin a huge index to the thread.
        t_scan = _fields.Capacity > 1 << 16 ? null : this;
    }

    /// <summary>Scans one live object; <paramref name="json"/> must stay as it is until the scan is returned.</summary>
    /// <param name="applied">Where the verdict on what the pipeline applied is kept between scans against the same desired state.</param>
    public Outcome Run(ReadOnlyMemory<byte> json, MapNode desired, ResourceKey key, ManagerClassifier managers, AppliedVerdicts applied)
    {
        _suspects.Clear();
        _entries.Clear();
        _fields.Reset(json);
        _managers = managers;
        _isSecret = key.IsSecret;
        _whole = false;
        _metadataSeen = false;
        _managedSeen = false;
        _managedItems = -1;
        _lastApplied = default;
        _ownership = null;
        _appliedDeclared = false;
        var reader = new Utf8JsonReader(json.Span);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Outcome.Whole;
            }

            ScanMap(desired, ref reader, parent: -1, Level.Root);

            // Anything after the object is an error that parsing it whole reports.
            if (_whole || reader.Read())
            {
                return Outcome.Whole;
            }
        }
        catch (JsonException)
        {
            return Outcome.Whole;
        }

        // Without managedFields nothing applied can be drift; with them, what the pipeline
        // applied must still be declared, or the comparer judges the object whole.
        if (_managedItems > 0 && (!_lastApplied.Equals(default) || HasApplyAppliers()) && !AllAppliedDeclared(json, desired, key, applied))
        {
            return Outcome.Whole;
        }

        return _suspects.Count == 0 ? Outcome.InSync : Outcome.Suspects;
    }

    private bool HasApplyAppliers()
    {
        foreach (var entry in _entries)
        {
            if (entry.Class == ManagerClass.Applier && entry.Operation == "Apply")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether everything the pipeline applied is still declared (<see cref="AppliedCoverage"/>):
    /// asked once per distinct last-applied-configuration and server-side appliers' fields, as
    /// written, and kept with desired state; an object in sync is applied the same way event
    /// after event.
    /// </summary>
    private bool AllAppliedDeclared(ReadOnlyMemory<byte> json, MapNode desired, ResourceKey key, AppliedVerdicts verdicts)
    {
        var span = json.Span;
        var lastApplied = _lastApplied.Equals(default) ? default : span[_lastApplied];
        if (!verdicts.TryGet(lastApplied, _entries, span, out var declared, out var verdictKey))
        {
            declared = AppliedCoverage.AllDeclared(Ownership()!, desired, key);
            verdicts.Remember(verdictKey, declared);
        }

        _appliedDeclared = declared;
        if (_ownership is not null)
        {
            _ownership.AppliedAllDeclared = declared;
        }

        return declared;
    }

    /// <summary>
    /// Who owns the object's fields, from the managedFields entries read by the scan; null when
    /// it has none. It reads the scan's index: use it before <see cref="Return"/>.
    /// </summary>
    public FieldOwnership? Ownership()
    {
        if (_ownership is null && _managedItems > 0)
        {
            _ownership = FieldOwnership.FromScanned(_entries, _fields, _lastApplied.Equals(default) ? default : _fields.Json[_lastApplied]);
            _ownership.AppliedAllDeclared = _appliedDeclared;
        }

        return _ownership;
    }

    /// <summary>
    /// The suspects as fields for <see cref="ResourceComparer.CompareFields"/>: each desired
    /// value the scan could not settle (only maps lie above it), with its live value read as a
    /// node when it is a scalar or a list matched as a whole, else as the JSON it is written in
    /// (a map, a list matched by keys, a Secret's <c>data</c>, a value with a member written twice).
    /// </summary>
    /// <param name="json">The object the scan was run on.</param>
    public IReadOnlyList<ResourceComparer.Field> Fields(ReadOnlyMemory<byte> json, ResourceKey key)
    {
        _fieldsFound.Clear();
        for (var i = 0; i < _suspects.Count; i++)
        {
            var suspect = _suspects[i];
            if (suspect.Descended)
            {
                continue;
            }

            var desired = suspect.Map.ValueAt(suspect.Index);
            var path = PathOf(i, out var quantity);
            var secretData = _isSecret && path[0] == "data";
            var asNode = secretData ? path.Length == 2 : desired is ScalarNode || (desired is ListNode && IsAtomicAt(key, path));
            Node? live = null;
            if (asNode && suspect.Start >= 0)
            {
                var reader = new Utf8JsonReader(json.Span[suspect.Start..suspect.End]);
                reader.Read();
                live = JsonNodes.ReadNode(ref reader);
                asNode = live is not null;
            }

            var subtree = asNode || suspect.Start < 0 ? default : json[suspect.Start..suspect.End];
            _fieldsFound.Add(new ResourceComparer.Field(path, desired, live, subtree, quantity, secretData, suspect.Map));
        }

        return _fieldsFound;
    }

    private bool IsAtomicAt(ResourceKey key, string[] path)
    {
        _path.Clear();
        foreach (var name in path)
        {
            _path.Add(PathStep.Field(name));
        }

        return KeyedLists.CandidateKeyField(key, _path) is null;
    }

    /// <summary>The names from the root down to a suspect, and whether one of them makes its value a quantity.</summary>
    private string[] PathOf(int at, out bool quantity)
    {
        var depth = 0;
        for (var r = at; r >= 0; r = _suspects[r].Parent)
        {
            depth++;
        }

        var path = new string[depth];
        quantity = false;
        for (var r = at; r >= 0; r = _suspects[r].Parent)
        {
            var suspect = _suspects[r];
            path[--depth] = suspect.Map.KeyAt(suspect.Index);
            quantity |= suspect.Map.IsQuantityKeyAt(suspect.Index, Quantity.IsContextKey);
        }

        return path;
    }

    private int Add(MapNode map, int index, int parent, int start, int end, bool descended)
    {
        _suspects.Add(new Suspect(map, index, parent, start, end, descended));
        return _suspects.Count - 1;
    }

    /// <summary>Reads one live object (the reader on its <c>{</c>) against a desired map, recording what it cannot settle.</summary>
    private void ScanMap(MapNode desired, ref Utf8JsonReader reader, int parent, Level level)
    {
        var count = desired.Count;
        Span<bool> seen = count <= 128 ? stackalloc bool[count] : new bool[count];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                _whole = true;
                return;
            }

            var member = level switch
            {
                Level.SecretDataMap => Level.SecretData,
                Level.Root when reader.ValueTextEquals("metadata"u8) => Level.Metadata,
                Level.Root when _isSecret && reader.ValueTextEquals("data"u8) => Level.SecretDataMap,
                Level.Metadata when reader.ValueTextEquals("annotations"u8) => Level.Annotations,
                _ => Level.Below,
            };
            var isMetadata = member == Level.Metadata;
            var isManagedFields = level == Level.Metadata && reader.ValueTextEquals("managedFields"u8);
            var isLastApplied = level == Level.Annotations && reader.ValueTextEquals(AppliedConfiguration.AnnotationUtf8);
            var index = desired.IndexOfUtf8(reader.ValueSpan);
            reader.Read();
            if (isLastApplied && reader.TokenType == JsonTokenType.String)
            {
                _lastApplied = new Range((int)reader.TokenStartIndex, (int)reader.TokenStartIndex + reader.ValueSpan.Length + 2);
            }
            if (isMetadata && _metadataSeen)
            {
                _whole = true;
                return;
            }

            _metadataSeen |= isMetadata;
            if (isMetadata && (index < 0 || desired.ValueAt(index) is not MapNode { Count: > 0 }))
            {
                // Desired names no metadata worth comparing: read it only for who manages the object.
                if (index >= 0 && !desired.ValueAt(index).IsEmpty)
                {
                    _whole = true;
                    return;
                }

                if (index >= 0)
                {
                    seen[index] = true;
                }

                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ScanMap(MapNode.Empty, ref reader, parent, Level.Metadata);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (index >= 0)
            {
                if (seen[index])
                {
                    _whole = true;
                    return;
                }

                seen[index] = true;
                ScanMember(desired, index, ref reader, parent, member);
            }
            else if (isManagedFields)
            {
                ReadManagers(ref reader);
            }
            else if (member == Level.Annotations && reader.TokenType == JsonTokenType.StartObject)
            {
                // Read for the last-applied-configuration only.
                ScanMap(MapNode.Empty, ref reader, parent, Level.Annotations);
            }
            else
            {
                reader.Skip();
            }

            if (_whole)
            {
                return;
            }
        }

        for (var i = 0; i < count; i++)
        {
            if (!seen[i] && !desired.ValueAt(i).IsEmpty)
            {
                Add(desired, i, parent, -1, -1, descended: false);
            }
        }
    }

    /// <summary>One desired key's live value (the reader on its first token); <paramref name="at"/> is where that value is.</summary>
    private void ScanMember(MapNode desired, int index, ref Utf8JsonReader reader, int parent, Level at)
    {
        var value = desired.ValueAt(index);
        var start = (int)reader.TokenStartIndex;
        if (at == Level.SecretData)
        {
            // Equal text is the same bytes; any other pair is for the comparer, which decodes and
            // seals both (an empty desired value there is a value, not an absence).
            var same = value is ScalarNode { Kind: NodeKind.String } text
                ? reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(text.Text)
                : reader.TokenType == JsonTokenType.Null && value.IsEmpty;
            reader.Skip();
            if (!same)
            {
                Add(desired, index, parent, start, (int)reader.BytesConsumed, descended: false);
            }

            return;
        }

        if (at == Level.SecretDataMap ? value is not MapNode { Count: > 0 } : value.IsEmpty)
        {
            // Equal to absent: only an out-of-band manager could make the live value drift.
            reader.Skip();
            return;
        }

        switch (value)
        {
            case MapNode map when reader.TokenType == JsonTokenType.StartObject:
                var record = Add(desired, index, parent, start, -1, descended: true);
                ScanMap(map, ref reader, record, at);
                if (!_whole && _suspects.Count == record + 1)
                {
                    _suspects.RemoveAt(record);
                }

                return;
            case ListNode list when reader.TokenType == JsonTokenType.StartArray:
                if (!ListEquals(list, ref reader))
                {
                    Add(desired, index, parent, start, (int)reader.BytesConsumed, descended: false);
                }

                return;
            default:
                if (!ValueEquals(value, ref reader))
                {
                    Add(desired, index, parent, start, (int)reader.BytesConsumed, descended: false);
                }

                return;
        }
    }

    /// <summary>
    /// Reads <c>metadata.managedFields</c> for the class of each manager (as
    /// <see cref="FieldOwnership.HasOutOfBand"/> has it), keeping where the list is.
    /// </summary>
    private void ReadManagers(ref Utf8JsonReader reader)
    {
        if (_managedSeen)
        {
            _whole = true;
            return;
        }

        _managedSeen = true;
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            _managedItems = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                _managedItems++;
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                }
                else if (ReadEntry(ref reader) == ManagerClass.OutOfBand || _whole)
                {
                    _whole = true;
                    return;
                }
            }
        }
        else
        {
            reader.Skip();
        }
    }

    /// <summary>The class of one managedFields entry (the reader on its <c>{</c>), or null when it names no manager.</summary>
    private ManagerClass? ReadEntry(ref Utf8JsonReader reader)
    {
        string? manager = null;
        var byName = ManagerClass.OutOfBand;
        string? operation = null;
        string? subresource = null;
        Range timeAt = default, fieldsAt = default;
        int firstMember = -1, endMember = -1;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueIsEscaped ? Escaped
                : reader.ValueTextEquals("manager"u8) ? 1
                : reader.ValueTextEquals("operation"u8) ? 2
                : reader.ValueTextEquals("subresource"u8) ? 4
                : reader.ValueTextEquals("time"u8) ? 8
                : reader.ValueTextEquals("fieldsV1"u8) ? 16
                : 0;
            reader.Read();
            if (field == 0)
            {
                reader.Skip();
                continue;
            }

            if ((seen & field) != 0 || field == Escaped)
            {
                // Which of two members counts is the parser's choice: leave it to the parser.
                _whole = true;
                return null;
            }

            seen |= field;
            var start = (int)reader.TokenStartIndex;
            if (field == 16 && reader.TokenType == JsonTokenType.StartObject)
            {
                // Indexed on the way, for owners looked up if something drifts.
                firstMember = _fields.Count;
                _fields.Add(ref reader, 0);
                endMember = _fields.Count;
            }
            else
            {
                reader.Skip();
            }

            var isString = reader.TokenType == JsonTokenType.String;
            switch (field)
            {
                case 1 when isString:
                    (manager, byName) = _managers.Known(reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan);
                    break;
                case 2:
                    operation = !isString ? null : reader.ValueTextEquals("Update"u8) ? "Update" : reader.ValueTextEquals("Apply"u8) ? "Apply" : reader.GetString();
                    break;
                case 4:
                    subresource = !isString ? null : reader.ValueTextEquals("status"u8) ? "status" : reader.GetString();
                    break;
                case 8:
                    timeAt = new Range(start, (int)reader.BytesConsumed);
                    break;
                case 16:
                    fieldsAt = new Range(start, (int)reader.BytesConsumed);
                    break;
            }
        }

        if (manager is null)
        {
            // Not an entry to the comparer either.
            return null;
        }

        // Only an Update that its name and subresource do not already make an applier or a status writer can be made one by it.
        var ownsLastApplied = operation == "Update" && byName != ManagerClass.Applier && subresource != "status" && firstMember >= 0
            && _fields.Reach(firstMember, endMember, FieldOwnership.LastAppliedPath, [], out _) == FieldsIndex.Reached.Field;
        var managerClass = ManagerClassifier.ClassOf(byName, manager, operation, subresource, ownsLastApplied);
        _entries.Add(new ScannedEntry(manager, operation, subresource, managerClass, timeAt, fieldsAt, firstMember, endMember));
        return managerClass;
    }

    private const int Escaped = 32;

    /// <summary>
    /// Equality where desired is a subset of live, as the comparer has it for a value that is
    /// not drift: empties equal absence, live fields desired lacks are passed over, lists match
    /// in order. Leaves the reader on the value's last token.
    /// </summary>
    private static bool ValueEquals(Node desired, ref Utf8JsonReader reader)
    {
        if (desired.IsEmpty)
        {
            reader.Skip();
            return true;
        }

        switch (desired)
        {
            case MapNode map when reader.TokenType == JsonTokenType.StartObject:
                return MapEquals(map, ref reader);
            case ListNode list when reader.TokenType == JsonTokenType.StartArray:
                return ListEquals(list, ref reader);
            case ScalarNode scalar:
                return ScalarEquals(scalar, ref reader);
            default:
                reader.Skip();
                return false;
        }
    }

    private static bool MapEquals(MapNode desired, ref Utf8JsonReader reader)
    {
        var count = desired.Count;
        Span<bool> seen = count <= 128 ? stackalloc bool[count] : new bool[count];
        var equal = true;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // A name written with escapes might be a desired key: not settled here.
            equal &= !reader.ValueIsEscaped;
            var index = equal ? desired.IndexOfUtf8(reader.ValueSpan) : -1;

            // A port is keyed by its protocol too: one desired leaves out (TCP) must not be another live.
            var protocol = index < 0 && reader.ValueTextEquals("protocol"u8) && (desired["port"] is not null || desired["containerPort"] is not null);
            reader.Read();
            if (protocol)
            {
                equal &= reader.TokenType == JsonTokenType.Null || (reader.TokenType == JsonTokenType.String && (reader.ValueTextEquals("TCP"u8) || reader.ValueSpan.IsEmpty));
            }

            if (index < 0)
            {
                reader.Skip();
                continue;
            }

            if (seen[index])
            {
                // Which of two members counts is the parser's choice: not settled here.
                reader.Skip();
                equal = false;
                continue;
            }

            seen[index] = true;
            equal = ValueEquals(desired.ValueAt(index), ref reader);
        }

        for (var i = 0; equal && i < count; i++)
        {
            equal = seen[i] || desired.ValueAt(i).IsEmpty;
        }

        return equal;
    }

    private static bool ListEquals(ListNode desired, ref Utf8JsonReader reader)
    {
        var count = 0;
        var equal = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (equal && count < desired.Count)
            {
                equal = ValueEquals(desired[count], ref reader);
            }
            else
            {
                equal = false;
                reader.Skip();
            }

            count++;
        }

        return equal && count == desired.Count;
    }

    /// <summary>Strings by text, numbers by value (as written, or as decimals), booleans and null as such.</summary>
    private static bool ScalarEquals(ScalarNode desired, ref Utf8JsonReader reader)
    {
        var token = reader.TokenType;
        if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
            return false;
        }

        return desired.Kind switch
        {
            NodeKind.String => token == JsonTokenType.String && reader.ValueTextEquals(desired.Text),
            NodeKind.Number => token == JsonTokenType.Number
                && (IsText(reader.ValueSpan, desired.Text) || (desired.Exact is { } exact && reader.TryGetDecimal(out var live) && exact == live)),
            NodeKind.Bool => token == (desired.BoolValue ? JsonTokenType.True : JsonTokenType.False),
            _ => token == JsonTokenType.Null,
        };
    }

    private static bool IsText(ReadOnlySpan<byte> ascii, string text)
    {
        if (ascii.Length != text.Length)
        {
            return false;
        }

        for (var i = 0; i < ascii.Length; i++)
        {
            if (ascii[i] != text[i])
            {
                return false;
            }
        }

        return true;
    }
}
