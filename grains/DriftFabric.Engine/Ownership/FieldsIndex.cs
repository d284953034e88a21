using System.Text;
using System.Text.Json;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Ownership;

/// <summary>
/// The members of fieldsV1 objects as written, read once into a flat tree: an owner is then
/// found by walking names already located, without reading the JSON again. Members are kept in
/// document order; a member's children follow it, up to <see cref="Member.End"/>, where its
/// next sibling is. Objects are read with the parser's rules for a parsed document: of two
/// <c>f:</c> members with one name the last counts, of two <c>k:</c> members matching one
/// element the first.
/// </summary>
internal sealed class FieldsIndex
{
    private Member[] _members = new Member[64];

    /// <summary>The JSON the members are in.</summary>
    public ReadOnlyMemory<byte> Json { get; private set; }

    public int Count { get; private set; }

    /// <summary>How many members the index has room for.</summary>
    public int Capacity => _members.Length;

    public enum Reached
    {
        Nothing,
        Field,
        LeafAbove,
    }

    /// <param name="Name">The member's name token as written, quotes included.</param>
    /// <param name="Escaped">The name is written with escapes.</param>
    /// <param name="IsObject">The value is an object (its members follow).</param>
    /// <param name="End">The index after this member's subtree: its next sibling's.</param>
    private record struct Member(Range Name, bool Escaped, bool IsObject, int End);

    /// <summary>Forgets every member; the index then reads <paramref name="json"/>.</summary>
    public void Reset(ReadOnlyMemory<byte> json)
    {
        Count = 0;
        Json = json;
    }

    /// <summary>
    /// Indexes the members of the object the reader is on (its <c>{</c>), the reader over
    /// <see cref="Json"/> from <paramref name="offset"/>, and leaves it on the object's <c>}</c>.
    /// </summary>
    public void Add(ref Utf8JsonReader reader, int offset = 0)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var at = Count++;
            if (at == _members.Length)
            {
                Array.Resize(ref _members, _members.Length * 2);
            }

            var start = offset + (int)reader.TokenStartIndex;
            var name = new Range(start, start + reader.ValueSpan.Length + 2);
            var escaped = reader.ValueIsEscaped;
            reader.Read();
            var isObject = reader.TokenType == JsonTokenType.StartObject;
            if (isObject)
            {
                Add(ref reader, offset);
            }
            else
            {
                reader.Skip();
            }

            _members[at] = new Member(name, escaped, isObject, Count);
        }
    }

    /// <summary>
    /// How far one fieldsV1 object (its members <c>[first, end)</c>) goes along the path: to the
    /// field, to a leaf (<c>{}</c>) above it, or not there.
    /// </summary>
    public Reached Reach(int first, int end, IReadOnlyList<PathStep> path, IReadOnlyList<JsonElement> liveAt) => Reach(first, end, path, liveAt, out _);

    /// <summary>As the other overload; <paramref name="leafDepth"/> is how many steps of the path the leaf above it is (for <see cref="Reached.LeafAbove"/>).</summary>
    public Reached Reach(int first, int end, IReadOnlyList<PathStep> path, IReadOnlyList<JsonElement> liveAt, out int leafDepth)
    {
        leafDepth = 0;
        for (var i = 0; i < path.Count; i++)
        {
            var step = path[i];
            var child = step.IsElement ? Element(first, end, liveAt[i]) : Field(first, end, step.Name);
            if (child < 0)
            {
                return Reached.Nothing;
            }

            if (i == path.Count - 1)
            {
                return Reached.Field;
            }

            var member = _members[child];
            if (!member.IsObject || member.End == child + 1)
            {
                leafDepth = i + 1;
                return Reached.LeafAbove;
            }

            first = child + 1;
            end = member.End;
        }

        return Reached.Nothing;
    }

    /// <summary>
    /// True when one fieldsV1 object (its members <c>[first, end)</c>) names the map or element
    /// at the path itself (a <c>"."</c> member there): it made it, whoever owns what is inside.
    /// </summary>
    public bool NamesItself(int first, int end, IReadOnlyList<PathStep> path, IReadOnlyList<JsonElement> liveAt)
    {
        for (var i = 0; i < path.Count; i++)
        {
            var child = path[i].IsElement ? Element(first, end, liveAt[i]) : Field(first, end, path[i].Name);
            if (child < 0 || !HasChildren(child))
            {
                return false;
            }

            first = child + 1;
            end = _members[child].End;
        }

        for (var i = first; i < end; i = _members[i].End)
        {
            if (Json.Span[_members[i].Name].SequenceEqual("\".\""u8))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The member after <paramref name="member"/>'s subtree: its next sibling's index.</summary>
    public int EndOf(int member) => _members[member].End;

    /// <summary>True when the member's value is an object with members of its own (not a leaf <c>{}</c>).</summary>
    public bool HasChildren(int member) => _members[member].IsObject && _members[member].End > member + 1;

    /// <summary>The member's name (<c>f:replicas</c>, <c>k:{"name":"web"}</c>, <c>.</c>), unescaped.</summary>
    public string NameOf(int member)
    {
        var raw = Json.Span[_members[member].Name];
        return _members[member].Escaped ? NameReader(raw).GetString()! : System.Text.Encoding.UTF8.GetString(raw[1..^1]);
    }

    /// <summary>The last <c>f:&lt;name&gt;</c> member among the siblings, or -1.</summary>
    private int Field(int first, int end, string name)
    {
        var length = Encoding.UTF8.GetMaxByteCount(name.Length) + 2;
        Span<byte> key = length <= 256 ? stackalloc byte[length] : new byte[length];
        key[0] = (byte)'f';
        key[1] = (byte)':';
        key = key[..(2 + Encoding.UTF8.GetBytes(name, key[2..]))];
        var json = Json.Span;
        var found = -1;
        for (var i = first; i < end; i = _members[i].End)
        {
            var member = _members[i];
            var raw = json[member.Name];
            if (member.Escaped ? NameReader(raw).ValueTextEquals(key) : raw[1..^1].SequenceEqual(key))
            {
                found = i;
            }
        }

        return found;
    }

    /// <summary>The first <c>k:</c> member among the siblings whose key the live element has, or -1.</summary>
    private int Element(int first, int end, JsonElement liveElement)
    {
        Span<byte> buffer = stackalloc byte[512];
        var json = Json.Span;
        for (var i = first; i < end; i = _members[i].End)
        {
            var raw = json[_members[i].Name];
            if (!raw[1..].StartsWith("k:"u8))
            {
                continue;
            }

            // A k: name is JSON with its quotes escaped: the key is what it reads as.
            var reader = NameReader(raw);
            var name = raw.Length <= buffer.Length ? buffer : new byte[raw.Length];
            if (ElementKeys.KeyMatches(name[2..reader.CopyString(name)], liveElement))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A reader on a name token as written (a JSON string).</summary>
    private static Utf8JsonReader NameReader(ReadOnlySpan<byte> token)
    {
        var reader = new Utf8JsonReader(token);
        reader.Read();
        return reader;
    }
}
