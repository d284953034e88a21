using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Ownership;

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
/// Suspects go to <see cref="ResourceComparer"/>, the one place where the drift rules live: it
/// judges a document holding only the suspects' live values (and the managedFields entries
/// that can own them) against desired cut to the same keys, which is what it would have found
/// in the whole object. An out-of-band manager, a member name written with escapes or written twice,
/// or JSON that does not read makes the scan step aside: the object is parsed whole.
/// </para>
/// One instance per thread, reused; not thread-safe.
/// </remarks>
internal sealed class LiveScan
{
    [ThreadStatic]
    private static LiveScan? t_scan;

    private readonly List<Suspect> _suspects = [];
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private ManagerClassifier _managers = ManagerClassifier.Default;
    private bool _isSecret;
    private bool _whole;
    private bool _metadataSeen;
    private int _managedStart;
    private int _managedEnd;
    private bool _managedIsList;
    private MapNode _desired = MapNode.Empty;

    // Where each managedFields entry's members are in the input, and the top-level members of
    // its fieldsV1 (entry by entry, in order): what the suspect document keeps of them.
    private readonly List<Entry> _entries = [];
    private readonly List<Range> _topFields = [];

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private LiveScan()
    {
    }

    public enum Outcome
    {
        /// <summary>The comparer would find nothing: no drift.</summary>
        InSync,

        /// <summary>Some desired values could not be settled: see <see cref="SuspectDocument"/> and <see cref="SuspectDesired"/>.</summary>
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
    }

    /// <summary>A desired key the scan could not settle, and where its live value is in the input (<c>Start</c> -1: absent).</summary>
    /// <param name="Parent">The record of the enclosing map, -1 at the root; records are kept in depth-first order.</param>
    /// <param name="Descended">The values are both maps and were scanned key by key: the suspects inside are its children.</param>
    private record struct Suspect(MapNode Map, int Index, int Parent, int Start, int End, bool Descended);

    /// <summary>The byte ranges of an entry's members (<c>default</c> where absent); its fieldsV1 members are <c>_topFields[FirstField..(FirstField + Fields)]</c>, name then value.</summary>
    private record struct Entry(Range Manager, Range Operation, Range Subresource, Range Time, int FirstField, int Fields);

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
        _topFields.Clear();
        _desired = MapNode.Empty;
        _buffer.Clear();

        // One huge object does not pin a huge buffer to the thread.
        t_scan = _buffer.Capacity > 1 << 20 ? null : this;
    }

    public Outcome Run(ReadOnlySpan<byte> json, MapNode desired, bool isSecret, ManagerClassifier managers)
    {
        _suspects.Clear();
        _entries.Clear();
        _topFields.Clear();
        _desired = desired;
        _managedIsList = false;
        _managers = managers;
        _isSecret = isSecret;
        _whole = false;
        _metadataSeen = false;
        _managedStart = -1;
        _managedEnd = -1;
        var reader = new Utf8JsonReader(json);
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

        return _suspects.Count == 0 ? Outcome.InSync : Outcome.Suspects;
    }

    /// <summary>
    /// The live object cut to the suspects: their values as written, inside the maps that lead
    /// to them, with <c>metadata.managedFields</c> cut to what can own them. It reads the scan's
    /// buffer: dispose it before <see cref="Return"/>.
    /// </summary>
    public JsonDocument SuspectDocument(ReadOnlySpan<byte> json)
    {
        _buffer.Clear();
        using (var writer = new Utf8JsonWriter(_buffer, WriterOptions))
        {
            WriteSuspects(writer, json);
        }

        // Read in place: the document is disposed before the scan is returned and its buffer cleared.
        return JsonDocument.Parse(_buffer.WrittenMemory);
    }

    private void WriteSuspects(Utf8JsonWriter writer, ReadOnlySpan<byte> json)
    {
        writer.WriteStartObject();
        var wroteMetadata = false;
        for (var i = 0; i < _suspects.Count; i++)
        {
            var suspect = _suspects[i];
            if (suspect.Parent != -1 || suspect.Start < 0)
            {
                continue;
            }

            if (suspect.Descended && suspect.Map.KeyAt(suspect.Index) == "metadata")
            {
                wroteMetadata = true;
                writer.WritePropertyName("metadata"u8);
                writer.WriteStartObject();
                WriteManagedFields(writer, json);
                WriteMembers(writer, json, i);
                writer.WriteEndObject();
            }
            else
            {
                WriteMember(writer, json, i);
            }
        }

        if (!wroteMetadata && _managedStart >= 0)
        {
            writer.WritePropertyName("metadata"u8);
            writer.WriteStartObject();
            WriteManagedFields(writer, json);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>Desired state cut to the suspects' keys (the same nodes, so drifts keep their lines).</summary>
    public MapNode SuspectDesired(MapNode desired) => Cut(desired, -1);

    private MapNode Cut(MapNode map, int parent)
    {
        var keys = new List<string>();
        var values = new List<Node>();
        for (var i = parent + 1; i < _suspects.Count && _suspects[i].Parent >= parent; i++)
        {
            var suspect = _suspects[i];
            if (suspect.Parent == parent)
            {
                keys.Add(map.KeyAt(suspect.Index));
                var value = map.ValueAt(suspect.Index);
                values.Add(suspect.Descended ? Cut((MapNode)value, i) : value);
            }
        }

        return new MapNode([.. keys], [.. values], map.Line);
    }

    private void WriteMembers(Utf8JsonWriter writer, ReadOnlySpan<byte> json, int parent)
    {
        for (var i = parent + 1; i < _suspects.Count && _suspects[i].Parent >= parent; i++)
        {
            if (_suspects[i].Parent == parent)
            {
                WriteMember(writer, json, i);
            }
        }
    }

    private void WriteMember(Utf8JsonWriter writer, ReadOnlySpan<byte> json, int at)
    {
        var suspect = _suspects[at];
        if (suspect.Start < 0)
        {
            return;
        }

        writer.WritePropertyName(suspect.Map.KeyAt(suspect.Index));
        if (suspect.Descended)
        {
            writer.WriteStartObject();
            WriteMembers(writer, json, at);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteRawValue(json[suspect.Start..suspect.End], skipInputValidation: true);
        }
    }

    /// <summary>
    /// managedFields as the comparer needs them for the suspects: each entry's manager,
    /// operation, subresource and time, and only the top-level fields (<c>f:spec</c>...) of its
    /// fieldsV1 under which a suspect is. An entry that names none of them cannot own a suspect
    /// and is left out; the others keep their order, so each owner is the entry it was.
    /// </summary>
    private void WriteManagedFields(Utf8JsonWriter writer, ReadOnlySpan<byte> json)
    {
        if (_managedStart < 0)
        {
            return;
        }

        writer.WritePropertyName("managedFields"u8);
        if (!_managedIsList)
        {
            writer.WriteRawValue(json[_managedStart.._managedEnd], skipInputValidation: true);
            return;
        }

        writer.WriteStartArray();
        foreach (var entry in _entries)
        {
            var wroteEntry = false;
            for (var i = entry.FirstField; i < entry.FirstField + entry.Fields; i += 2)
            {
                if (!IsSuspectRoot(json[_topFields[i]]))
                {
                    continue;
                }

                if (!wroteEntry)
                {
                    wroteEntry = true;
                    writer.WriteStartObject();
                    WriteRange(writer, "manager"u8, entry.Manager, json);
                    WriteRange(writer, "operation"u8, entry.Operation, json);
                    WriteRange(writer, "subresource"u8, entry.Subresource, json);
                    WriteRange(writer, "time"u8, entry.Time, json);
                    writer.WritePropertyName("fieldsV1"u8);
                    writer.WriteStartObject();
                }

                writer.WritePropertyName(json[_topFields[i]]);
                writer.WriteRawValue(json[_topFields[i + 1]], skipInputValidation: true);
            }

            if (wroteEntry)
            {
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
    }

    private static void WriteRange(Utf8JsonWriter writer, ReadOnlySpan<byte> name, Range range, ReadOnlySpan<byte> json)
    {
        if (!range.Equals(default))
        {
            writer.WritePropertyName(name);
            writer.WriteRawValue(json[range], skipInputValidation: true);
        }
    }

    /// <summary>True for <c>f:&lt;key&gt;</c> where a suspect is under the top-level desired key.</summary>
    private bool IsSuspectRoot(ReadOnlySpan<byte> name)
    {
        if (!name.StartsWith("f:"u8) || _desired.IndexOfUtf8(name[2..]) is not (>= 0 and var index))
        {
            return false;
        }

        foreach (var suspect in _suspects)
        {
            if (suspect.Parent == -1 && suspect.Index == index)
            {
                return true;
            }
        }

        return false;
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
                _ => Level.Below,
            };
            var isMetadata = member == Level.Metadata;
            var isManagedFields = level == Level.Metadata && reader.ValueTextEquals("managedFields"u8);
            var index = desired.IndexOfUtf8(reader.ValueSpan);
            reader.Read();
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
        if (_managedStart >= 0)
        {
            _whole = true;
            return;
        }

        _managedStart = (int)reader.TokenStartIndex;
        _managedIsList = reader.TokenType == JsonTokenType.StartArray;
        if (_managedIsList)
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
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

        _managedEnd = (int)reader.BytesConsumed;
    }

    /// <summary>The class of one managedFields entry (the reader on its <c>{</c>), or null when it names no manager.</summary>
    private ManagerClass? ReadEntry(ref Utf8JsonReader reader)
    {
        string? manager = null;
        var byName = ManagerClass.OutOfBand;
        string? operation = null;
        string? subresource = null;
        Range managerAt = default, operationAt = default, subresourceAt = default, timeAt = default;
        var firstField = _topFields.Count;
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
            if (field == 16)
            {
                ReadTopFields(ref reader);
                continue;
            }

            reader.Skip();
            var at = new Range(start, (int)reader.BytesConsumed);
            var isString = reader.TokenType == JsonTokenType.String;
            switch (field)
            {
                case 1 when isString:
                    (manager, byName) = _managers.Known(reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan);
                    managerAt = at;
                    break;
                case 2:
                    operation = !isString ? null : reader.ValueTextEquals("Update"u8) ? "Update" : reader.ValueTextEquals("Apply"u8) ? "Apply" : reader.GetString();
                    operationAt = at;
                    break;
                case 4:
                    subresource = !isString ? null : reader.ValueTextEquals("status"u8) ? "status" : reader.GetString();
                    subresourceAt = at;
                    break;
                case 8:
                    timeAt = at;
                    break;
            }
        }

        if (manager is null)
        {
            // Not an entry to the comparer either.
            _topFields.RemoveRange(firstField, _topFields.Count - firstField);
            return null;
        }

        _entries.Add(new Entry(managerAt, operationAt, subresourceAt, timeAt, firstField, _topFields.Count - firstField));
        return ManagerClassifier.ByNameAlone(manager, subresource) ? byName : _managers.Classify(manager, operation, subresource);
    }

    private const int Escaped = 32;

    /// <summary>Keeps where each top-level member of a fieldsV1 object is (name, then value); anything else is skipped.</summary>
    private void ReadTopFields(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                _whole = true;
                return;
            }

            // The name without its quotes, then the value as written.
            var nameStart = (int)reader.TokenStartIndex + 1;
            var name = new Range(nameStart, nameStart + reader.ValueSpan.Length);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            _topFields.Add(name);
            _topFields.Add(new Range(start, (int)reader.BytesConsumed));
        }
    }

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
            reader.Read();
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
