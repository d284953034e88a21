using System.Text;
using System.Text.Json;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Engine.Ownership;

/// <summary>One <c>metadata.managedFields</c> entry, ranked by recency (higher is newer).</summary>
public sealed class ManagedFieldsEntry
{
    // Where the time is read from: the parsed entry, or (for an entry read by a scan of the
    // live JSON) the time member's value as written.
    private readonly JsonElement _entry;
    private readonly ReadOnlyMemory<byte> _rawTime;

    // The time, boxed once read (a reference is published whole to racing readers), or null before.
    private object? _time;

    internal ManagedFieldsEntry(string manager, string? operation, string? subresource, JsonElement entry, ManagerClass managerClass, int rank)
        : this(manager, operation, subresource, managerClass, rank) => _entry = entry;

    internal ManagedFieldsEntry(string manager, string? operation, string? subresource, ReadOnlyMemory<byte> rawTime, ManagerClass managerClass, int rank)
        : this(manager, operation, subresource, managerClass, rank) => _rawTime = rawTime;

    private ManagedFieldsEntry(string manager, string? operation, string? subresource, ManagerClass managerClass, int rank)
    {
        Manager = manager;
        Operation = operation;
        Subresource = subresource;
        Class = managerClass;
        Rank = rank;
    }

    public string Manager { get; }

    public string? Operation { get; }

    public string? Subresource { get; }

    /// <summary>When the manager last wrote, read from the entry when first asked for (only a drift's owner is asked).</summary>
    public DateTimeOffset? Time
    {
        get
        {
            var time = _time ??= (object?)(_entry.ValueKind == JsonValueKind.Undefined ? FieldOwnership.TimeOf(_rawTime.Span) : FieldOwnership.TimeOf(_entry)) ?? NoTime.Instance;
            return time is DateTimeOffset t ? t : null;
        }
    }

    public ManagerClass Class { get; }

    public int Rank { get; }

    public bool IsStatus => Subresource == "status";

    private sealed class NoTime
    {
        public static readonly NoTime Instance = new();
    }
}

/// <summary>
/// Who owns each live field, from <c>metadata.managedFields</c>. A field is owned by the most
/// recent entry that names it; failing that, by the most recent entry that names one of its
/// ancestors as a leaf (<c>{}</c>: atomic maps and lists are owned whole).
/// The entries are read at once; their <c>fieldsV1</c> trees only along the paths asked about,
/// so an object compared in sync costs no more than reading who its managers are.
/// </summary>
public sealed class FieldOwnership
{
    // The entries come from a parsed object (_list), or from a scan of the live JSON, which
    // hands them over read (_entries) with their fieldsV1 indexed (_index, _roots) and where
    // each is written (_rawFields).
    private readonly JsonElement _list;
    private readonly ManagerClassifier? _classifier;
    private readonly Range[]? _rawFields;
    private ManagedFieldsEntry[]? _entries;
    private JsonElement[]? _fieldsByRank;
    private int _hasOutOfBand = -1;

    // Each rank's fieldsV1 members in the index: [First, End), First -1 where it is no object.
    private FieldsIndex? _index;
    private (int First, int End)[]? _roots;

    // The object's last-applied-configuration annotation, as written (a JSON string), or empty.
    private readonly ReadOnlyMemory<byte> _lastAppliedToken;
    private AppliedConfiguration? _lastApplied;
    private int _lastAppliedOwner = -2;

    private FieldOwnership(JsonElement list, ManagerClassifier classifier, ReadOnlyMemory<byte> lastAppliedToken)
    {
        _list = list;
        _classifier = classifier;
        _lastAppliedToken = lastAppliedToken;
    }

    private FieldOwnership(ManagedFieldsEntry[] entries, Range[] rawFields, FieldsIndex index, (int First, int End)[] roots, ReadOnlyMemory<byte> lastAppliedToken)
    {
        _entries = entries;
        _rawFields = rawFields;
        _index = index;
        _roots = roots;
        _lastAppliedToken = lastAppliedToken;
    }

    /// <summary>The path of the annotation in which <c>kubectl apply</c> keeps what it applied.</summary>
    internal static readonly Paths.PathStep[] LastAppliedPath =
        [Paths.PathStep.Field("metadata"), Paths.PathStep.Field("annotations"), Paths.PathStep.Field(AppliedConfiguration.Annotation)];

    /// <summary>Entries indexed by rank: <c>Entries[rank]</c>, oldest first.</summary>
    public IReadOnlyList<ManagedFieldsEntry> Entries => _entries ?? Read().Entries;

    /// <summary>Each entry's fieldsV1, by rank (<c>default</c> where an entry has none).</summary>
    private JsonElement[] FieldsByRank => _fieldsByRank ??= _rawFields is null ? Read().Fields : ParseRawFields();

    /// <summary>True when some entry is an out-of-band manager: only then can a field desired lacks be drift.</summary>
    /// <remarks>Answered from the managers' names alone, without reading the entries any further.</remarks>
    public bool HasOutOfBand
    {
        get
        {
            if (_hasOutOfBand < 0)
            {
                _hasOutOfBand = (_rawFields is null ? ScanForOutOfBand() : Array.Exists(_entries!, e => e.Class == ManagerClass.OutOfBand)) ? 1 : 0;
            }

            return _hasOutOfBand == 1;
        }
    }

    /// <summary>True when some applier's entry is a server-side apply: what it names is what the pipeline applied.</summary>
    internal bool HasApplyAppliers
    {
        get
        {
            foreach (var entry in Entries)
            {
                if (IsApplyApplier(entry))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>What the last client-side apply sent (the object's last-applied-configuration), or null when it has none.</summary>
    internal AppliedConfiguration? LastApplied => _lastApplied ??= _lastAppliedToken.IsEmpty ? null : new AppliedConfiguration(_lastAppliedToken);

    /// <summary>The raw annotation, as written: what a cached verdict on it is keyed by.</summary>
    internal ReadOnlyMemory<byte> LastAppliedToken => _lastAppliedToken;

    /// <summary>Rank of the entry that owns the last-applied-configuration annotation (the client-side apply that wrote it), or -1.</summary>
    internal int LastAppliedOwner => _lastAppliedOwner != -2 ? _lastAppliedOwner : _lastAppliedOwner = OwnerOf(LastAppliedPath, []);

    /// <summary>
    /// Set when every field the pipeline applied (what server-side appliers name, what the
    /// last-applied-configuration holds) is still declared: then nothing was applied and dropped.
    /// </summary>
    internal bool AppliedAllDeclared { get; set; }

    /// <summary>
    /// True when a live field that desired lacks can be drift at all: some out-of-band manager
    /// wrote to the object, or the pipeline applied fields the code may since have dropped.
    /// </summary>
    internal bool LiveOnlyMayDrift => HasOutOfBand || (!AppliedAllDeclared && (LastApplied is not null || HasApplyAppliers));

    /// <summary>
    /// True when a live field that desired lacks at <paramref name="path"/> (or below it) may be
    /// drift: an out-of-band entry reaches it, or (while something applied may have been dropped)
    /// a server-side applier's entry does, or the last-applied-configuration holds it.
    /// False spares walking the field's live subtree.
    /// </summary>
    internal bool LiveOnlyReaches(IReadOnlyList<Paths.PathStep> path, IReadOnlyList<JsonElement> liveAt, bool isSecret)
    {
        var appliedMayDrop = !AppliedAllDeclared;
        if (!HasOutOfBand && !appliedMayDrop)
        {
            return false;
        }

        var entries = Entries;
        for (var rank = 0; rank < entries.Count; rank++)
        {
            var entry = entries[rank];
            if ((entry.Class == ManagerClass.OutOfBand || (appliedMayDrop && IsApplyApplier(entry))) && Reach(rank, path, liveAt) != FieldsIndex.Reached.Nothing)
            {
                return true;
            }
        }

        return appliedMayDrop && LastApplied is { } applied && applied.Holds(path, isSecret);
    }

    /// <summary>
    /// The applier that applied the live field at <paramref name="path"/> (part of a subtree
    /// desired lacks, from <paramref name="subtreeDepth"/> steps down): the newest server-side
    /// applier whose entry names it (or owns whole a map or list inside the subtree that holds
    /// it), else the owner of the last-applied-configuration when that holds it; -1 for none.
    /// </summary>
    internal int AppliedBy(IReadOnlyList<Paths.PathStep> path, IReadOnlyList<JsonElement> liveAt, int subtreeDepth, bool isSecret)
    {
        if (AppliedAllDeclared)
        {
            return -1;
        }

        var entries = Entries;
        for (var rank = entries.Count - 1; rank >= 0; rank--)
        {
            if (IsApplyApplier(entries[rank]))
            {
                var reached = Reach(rank, path, liveAt, out var leafDepth);
                if (reached == FieldsIndex.Reached.Field || (reached == FieldsIndex.Reached.LeafAbove && leafDepth >= subtreeDepth))
                {
                    return rank;
                }
            }
        }

        return LastApplied is { } applied && applied.Holds(path, isSecret) ? LastAppliedOwner : -1;
    }

    /// <summary>Rank of the newest entry that names the map or element at <paramref name="path"/> itself (its <c>"."</c>), or -1.</summary>
    internal int MadeBy(IReadOnlyList<Paths.PathStep> path, IReadOnlyList<JsonElement> liveAt)
    {
        for (var rank = Entries.Count - 1; rank >= 0; rank--)
        {
            if (_roots is null)
            {
                IndexFields();
            }

            var (first, end) = _roots![rank];
            if (first >= 0 && _index!.NamesItself(first, end, path, liveAt))
            {
                return rank;
            }
        }

        return -1;
    }

    /// <summary>True when the entry of <paramref name="rank"/> names the field at <paramref name="path"/> or owns one of its parents whole.</summary>
    internal bool Names(int rank, IReadOnlyList<Paths.PathStep> path, IReadOnlyList<JsonElement> liveAt) =>
        Reach(rank, path, liveAt) is FieldsIndex.Reached.Field or FieldsIndex.Reached.LeafAbove;

    /// <summary>The index and each rank's fieldsV1 members in it, for walking what entries name.</summary>
    internal (FieldsIndex Index, (int First, int End)[] Roots) Index()
    {
        if (_roots is null)
        {
            IndexFields();
        }

        return (_index!, _roots!);
    }

    internal static bool IsApplyApplier(ManagedFieldsEntry entry) => entry.Class == ManagerClass.Applier && entry.Operation == "Apply";

    /// <summary>The fieldsV1 of the entry of <paramref name="rank"/> as written (empty when it has none).</summary>
    internal ReadOnlySpan<byte> RawFieldsOf(int rank)
    {
        if (_rawFields is not null)
        {
            return _rawFields[rank].Equals(default) ? default : _index!.Json.Span[_rawFields[rank]];
        }

        var fields = FieldsByRank[rank];
        return fields.ValueKind == JsonValueKind.Undefined ? default : System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(fields);
    }

    /// <summary>
    /// Rank of the owner of the field at <paramref name="path"/> (list elements matched against
    /// <paramref name="liveAt"/>, the live element at each step), or -1: the newest entry that
    /// names the field, else the newest that owns one of its parents whole, found by following
    /// each entry's fieldsV1 alone, newest first.
    /// </summary>
    internal int OwnerOf(IReadOnlyList<Paths.PathStep> path, IReadOnlyList<JsonElement> liveAt)
    {
        var inherited = -1;
        for (var rank = Entries.Count - 1; rank >= 0; rank--)
        {
            switch (Reach(rank, path, liveAt))
            {
                case FieldsIndex.Reached.Field:
                    // The newest entry that names the field owns it, whatever owns its parents.
                    return rank;
                case FieldsIndex.Reached.LeafAbove:
                    // This entry owns the field whole, unless some entry names the field itself.
                    inherited = Math.Max(inherited, rank);
                    break;
            }
        }

        return inherited;
    }

    /// <summary>
    /// True when some out-of-band entry names the field at <paramref name="path"/>, something
    /// below it, or owns one of its parents whole: only then can a live field that desired
    /// lacks hold drift. False spares walking the field's live subtree for owners.
    /// </summary>
    internal bool OutOfBandReaches(IReadOnlyList<Paths.PathStep> path, IReadOnlyList<JsonElement> liveAt)
    {
        if (!HasOutOfBand)
        {
            return false;
        }

        var entries = Entries;
        for (var rank = 0; rank < entries.Count; rank++)
        {
            if (entries[rank].Class == ManagerClass.OutOfBand && Reach(rank, path, liveAt) != FieldsIndex.Reached.Nothing)
            {
                return true;
            }
        }

        return false;
    }

    private FieldsIndex.Reached Reach(int rank, IReadOnlyList<Paths.PathStep> path, IReadOnlyList<JsonElement> liveAt) => Reach(rank, path, liveAt, out _);

    private FieldsIndex.Reached Reach(int rank, IReadOnlyList<Paths.PathStep> path, IReadOnlyList<JsonElement> liveAt, out int leafDepth)
    {
        if (_roots is null)
        {
            IndexFields();
        }

        var (first, end) = _roots![rank];
        leafDepth = 0;
        return first < 0 ? FieldsIndex.Reached.Nothing : _index!.Reach(first, end, path, liveAt, out leafDepth);
    }

    /// <summary>Indexes the parsed entries' fieldsV1, read as written, when an owner is first asked for.</summary>
    private void IndexFields()
    {
        // The objects are copied side by side into one buffer the index reads.
        var fields = FieldsByRank;
        var length = 0;
        foreach (var field in fields)
        {
            length += field.ValueKind == JsonValueKind.Object ? System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(field).Length : 0;
        }

        var json = new byte[length];
        var index = new FieldsIndex();
        index.Reset(json);
        var roots = new (int First, int End)[fields.Length];
        var offset = 0;
        for (var rank = 0; rank < fields.Length; rank++)
        {
            if (fields[rank].ValueKind != JsonValueKind.Object)
            {
                roots[rank] = (-1, -1);
                continue;
            }

            var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(fields[rank]);
            raw.CopyTo(json.AsSpan(offset));
            var reader = new Utf8JsonReader(raw);
            reader.Read();
            var first = index.Count;
            index.Add(ref reader, offset);
            roots[rank] = (first, index.Count);
            offset += raw.Length;
        }

        _index = index;
        _roots = roots;
    }

    private JsonElement[] ParseRawFields()
    {
        var fields = new JsonElement[_rawFields!.Length];
        for (var rank = 0; rank < fields.Length; rank++)
        {
            fields[rank] = _rawFields[rank].Equals(default) ? default : JsonElement.Parse(_index!.Json.Span[_rawFields[rank]]);
        }

        return fields;
    }

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

    /// <summary>The live object's managedFields; null when it has none (a dump taken without them).</summary>
    public static FieldOwnership? From(JsonElement liveRoot, ManagerClassifier classifier) =>
        liveRoot.ValueKind == JsonValueKind.Object
        && liveRoot.TryGetProperty("metadata"u8, out var metadata) && metadata.ValueKind == JsonValueKind.Object
        && metadata.TryGetProperty("managedFields"u8, out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0
            ? new FieldOwnership(list, classifier, LastAppliedTokenOf(metadata))
            : null;

    /// <summary>The last-applied-configuration annotation as written (a JSON string token), or empty.</summary>
    private static ReadOnlyMemory<byte> LastAppliedTokenOf(JsonElement metadata) =>
        metadata.TryGetProperty("annotations"u8, out var annotations) && annotations.ValueKind == JsonValueKind.Object
        && annotations.TryGetProperty(AppliedConfiguration.AnnotationUtf8, out var token) && token.ValueKind == JsonValueKind.String
            ? System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(token).ToArray()
            : default;

    /// <summary>True when a parsed entry's fieldsV1 names the last-applied-configuration annotation.</summary>
    private static bool OwnsLastApplied(JsonElement entry) =>
        entry.TryGetProperty("fieldsV1"u8, out var fields) && fields.ValueKind == JsonValueKind.Object
        && fields.TryGetProperty("f:metadata"u8, out var metadata) && metadata.ValueKind == JsonValueKind.Object
        && metadata.TryGetProperty("f:annotations"u8, out var annotations) && annotations.ValueKind == JsonValueKind.Object
        && annotations.TryGetProperty("f:kubectl.kubernetes.io/last-applied-configuration"u8, out _);

    /// <summary>
    /// Ownership from entries a scan of the live JSON has read, in the list's order, ranked here
    /// as <see cref="From"/> ranks them, with their fieldsV1 in <paramref name="index"/>. The
    /// ranges are into the index's JSON; both must outlive this ownership.
    /// </summary>
    internal static FieldOwnership FromScanned(IReadOnlyList<ScannedEntry> scanned, FieldsIndex index, ReadOnlyMemory<byte> lastAppliedToken)
    {
        var json = index.Json;
        Span<int> order = scanned.Count <= 16 ? stackalloc int[scanned.Count] : new int[scanned.Count];
        OrderByTime(order, (json, scanned), static (state, i) => Raw(state.json, state.scanned[i].Time).Span);

        var entries = new ManagedFieldsEntry[order.Length];
        var fields = new Range[order.Length];
        var roots = new (int First, int End)[order.Length];
        for (var rank = 0; rank < order.Length; rank++)
        {
            var entry = scanned[order[rank]];
            entries[rank] = new ManagedFieldsEntry(entry.Manager, entry.Operation, entry.Subresource, Raw(json, entry.Time), entry.Class, rank);
            fields[rank] = entry.Fields;
            roots[rank] = (entry.FirstMember, entry.EndMember);
        }

        return new FieldOwnership(entries, fields, index, roots, lastAppliedToken);
    }

    private static ReadOnlyMemory<byte> Raw(ReadOnlyMemory<byte> json, Range range) => range.Equals(default) ? default : json[range];

    private bool ScanForOutOfBand()
    {
        foreach (var entry in _list.EnumerateArray())
        {
            if (IsEntry(entry, out var manager) && ManagerOf(entry, manager).Class == ManagerClass.OutOfBand)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsEntry(JsonElement entry, out JsonElement manager)
    {
        manager = default;
        return entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("manager"u8, out manager) && manager.ValueKind == JsonValueKind.String;
    }

    /// <summary>
    /// An entry's manager, as one shared string, and its class: the class of the name from the
    /// classifier's cache (no string is made for a manager seen before), then what the entry's
    /// operation, subresource and fields say.
    /// </summary>
    private (string Name, ManagerClass Class) ManagerOf(JsonElement entry, JsonElement manager)
    {
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(manager);
        var (name, byName) = _classifier!.Known(raw.IndexOf((byte)'\\') < 0 ? raw[1..^1] : Encoding.UTF8.GetBytes(manager.GetString()!));
        var operation = Known(entry, "operation"u8);
        return (name, ManagerClassifier.ClassOf(byName, name, operation, Known(entry, "subresource"u8), operation == "Update" && OwnsLastApplied(entry)));
    }

    private (ManagedFieldsEntry[] Entries, JsonElement[] Fields) Read()
    {
        // A handful of entries, read in place; manager names and classes from the classifier's cache.
        var found = new JsonElement[_list.GetArrayLength()];
        var count = 0;
        foreach (var entry in _list.EnumerateArray())
        {
            if (IsEntry(entry, out _))
            {
                found[count++] = entry;
            }
        }

        Span<int> order = count <= 16 ? stackalloc int[count] : new int[count];
        OrderByTime(order, found, static (entries, i) => RawTime(entries[i]));
        var entries = new ManagedFieldsEntry[count];
        var fields = new JsonElement[count];
        for (var rank = 0; rank < count; rank++)
        {
            var entry = found[order[rank]];
            var (manager, managerClass) = ManagerOf(entry, entry.GetProperty("manager"u8));
            entries[rank] = new ManagedFieldsEntry(manager, Known(entry, "operation"u8), Known(entry, "subresource"u8), entry, managerClass, rank);
            fields[rank] = entry.TryGetProperty("fieldsV1"u8, out var f) ? f : default;
        }

        // Both are written before either is read back; a racing reader computes the same.
        _fieldsByRank = fields;
        _entries = entries;
        return (entries, fields);
    }

    /// <summary>A string member, as one shared string when it is one of the values Kubernetes writes there.</summary>
    private static string? Known(JsonElement entry, ReadOnlySpan<byte> name)
    {
        if (!entry.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        return value.ValueEquals("Update"u8) ? "Update"
            : value.ValueEquals("Apply"u8) ? "Apply"
            : value.ValueEquals("status"u8) ? "status"
            : value.ValueEquals("scale"u8) ? "scale"
            : value.GetString();
    }

    /// <summary>
    /// Fills <paramref name="order"/> with the entries' positions in the order of their times
    /// (ranks, oldest first): an insertion sort, stable, so entries of equal times keep the
    /// list's order.
    /// </summary>
    private static void OrderByTime<TState>(Span<int> order, TState state, Func<TState, int, ReadOnlySpan<byte>> timeOf)
    {
        for (var i = 0; i < order.Length; i++)
        {
            var at = i;
            while (at > 0 && CompareTimes(timeOf(state, order[at - 1]), timeOf(state, i)) > 0)
            {
                order[at] = order[at - 1];
                at--;
            }

            order[at] = i;
        }
    }

    /// <summary>
    /// Orders two entries by their times as written (empty: none), an entry without one first.
    /// Kubernetes writes RFC 3339 in UTC with a <c>Z</c>: two such texts of one length order as
    /// their times do, without parsing.
    /// </summary>
    private static int CompareTimes(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        if (x.Length > 2 && x.Length == y.Length && x.EndsWith("Z\""u8) && y.EndsWith("Z\""u8) && x.IndexOf((byte)'\\') < 0 && y.IndexOf((byte)'\\') < 0)
        {
            return x.SequenceCompareTo(y);
        }

        return Nullable.Compare(TimeOf(x), TimeOf(y));
    }

    private static ReadOnlySpan<byte> RawTime(JsonElement entry) =>
        entry.TryGetProperty("time"u8, out var value) ? System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value) : default;

    internal static DateTimeOffset? TimeOf(JsonElement entry) => TimeOf(RawTime(entry));

    /// <summary>The time an entry's <c>time</c> member holds, given as written (empty when there is none); null unless it is a string that reads as a time.</summary>
    internal static DateTimeOffset? TimeOf(ReadOnlySpan<byte> raw)
    {
        if (raw.IsEmpty || raw[0] != (byte)'"')
        {
            return null;
        }

        if (TryReadSecondsUtc(raw, out var seconds))
        {
            return seconds;
        }

        var reader = new Utf8JsonReader(raw);
        reader.Read();

        // Kubernetes writes UTC with a Z; a time without an offset is read as UTC too, not local.
        if (raw.EndsWith("Z\""u8) && reader.TryGetDateTimeOffset(out var time))
        {
            return time;
        }

        return DateTimeOffset.TryParse(reader.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out time)
            ? time
            : null;
    }

    /// <summary>
    /// <c>"2026-09-01T10:00:00Z"</c>, the form Kubernetes writes (seconds, UTC), read without a
    /// JSON reader; false for anything else, which the general path reads.
    /// </summary>
    private static bool TryReadSecondsUtc(ReadOnlySpan<byte> raw, out DateTimeOffset time)
    {
        time = default;
        if (raw.Length != 22 || raw[5] != '-' || raw[8] != '-' || raw[11] != 'T' || raw[14] != ':' || raw[17] != ':' || raw[20] != 'Z' || raw[21] != '"')
        {
            return false;
        }

        var year = Digits(raw.Slice(1, 4));
        var month = Digits(raw.Slice(6, 2));
        var day = Digits(raw.Slice(9, 2));
        var hour = Digits(raw.Slice(12, 2));
        var minute = Digits(raw.Slice(15, 2));
        var second = Digits(raw.Slice(18, 2));
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour is < 0 or > 23 || minute is < 0 or > 59 || second is < 0 or > 59)
        {
            return false;
        }

        time = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    /// <summary>The number the ASCII digits stand for, or -1 when one is not a digit.</summary>
    private static int Digits(ReadOnlySpan<byte> digits)
    {
        var value = 0;
        foreach (var digit in digits)
        {
            if (digit is < (byte)'0' or > (byte)'9')
            {
                return -1;
            }

            value = (value * 10) + digit - '0';
        }

        return value;
    }
}

/// <summary>
/// A managedFields entry as a scan of the live JSON read it: its manager, where its time and
/// fieldsV1 are (<c>default</c>: absent), and its fieldsV1 members in the scan's
/// <see cref="FieldsIndex"/> (<c>FirstMember</c> -1 when fieldsV1 is no object).
/// </summary>
internal readonly record struct ScannedEntry(string Manager, string? Operation, string? Subresource, ManagerClass Class, Range Time, Range Fields, int FirstMember, int EndMember);

/// <summary>
/// How managedFields keys (<c>k:{"name":"web"}</c>, <c>k:{"port":53,"protocol":"UDP"}</c>)
/// select list elements: every field of the key equals the element's; a port's protocol left
/// out is TCP, the protocol the server keys it by.
/// </summary>
internal static class ElementKeys
{
    private static readonly ScalarNode DefaultProtocol = ScalarNode.String(Paths.PathStep.DefaultProtocol);

    /// <summary>Every key field of the managedFields key equals the live element's field.</summary>
    internal static bool KeyMatches(MapNode key, MapNode element)
    {
        foreach (var (name, expected) in key.Entries)
        {
            var actual = element[name] as ScalarNode ?? (name == "protocol" ? DefaultProtocol : null);
            if (actual is null || expected is not ScalarNode e || !e.ValueEquals(actual))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>As the other overload, reading the key's JSON in place (it is matched on every owner lookup in a list).</summary>
    internal static bool KeyMatches(ReadOnlySpan<byte> keyJson, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var reader = new Utf8JsonReader(keyJson);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var found = reader.ValueIsEscaped
                    ? element.TryGetProperty(reader.GetString()!, out var actual)
                    : element.TryGetProperty(reader.ValueSpan, out actual);

                // A port's protocol left out is TCP, the protocol the server keys it by.
                var protocolLeftOut = !found && reader.ValueTextEquals("protocol"u8);
                if ((!found && !protocolLeftOut) || !reader.Read())
                {
                    return false;
                }

                if (protocolLeftOut ? !(reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("TCP"u8)) : !ValueMatches(ref reader, actual))
                {
                    return false;
                }
            }

            return reader.TokenType == JsonTokenType.EndObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool ValueMatches(ref Utf8JsonReader reader, JsonElement actual) => reader.TokenType switch
    {
        JsonTokenType.String => actual.ValueKind == JsonValueKind.String
            && (reader.ValueIsEscaped ? actual.ValueEquals(reader.GetString()) : actual.ValueEquals(reader.ValueSpan)),
        JsonTokenType.Number => actual.ValueKind == JsonValueKind.Number
            && (reader.TryGetDecimal(out var expected) && actual.TryGetDecimal(out var live) ? expected == live : reader.GetDouble().Equals(actual.GetDouble())),
        JsonTokenType.True => actual.ValueKind == JsonValueKind.True,
        JsonTokenType.False => actual.ValueKind == JsonValueKind.False,
        JsonTokenType.Null => actual.ValueKind == JsonValueKind.Null,
        _ => false,
    };
}
