using System.Text;

namespace DriftFabric.Engine.Paths;

/// <summary>
/// One step of a drift path: a map key (<c>/name</c>), a keyed list element (<c>[key=value]</c>),
/// or a list element by position (<c>[2]</c>, as proxy configs address lists whose items have no
/// key). Keys and selector values are escaped as in RFC 6901. Ports are keyed by number and
/// protocol, as the API server keys them: <c>[port=53]</c> is 53/TCP, <c>[port=53,protocol=UDP]</c>
/// another element.
/// </summary>
/// <param name="Protocol">For a port (<see cref="IsPortKey"/>): its protocol when it is not TCP, else null.</param>
public readonly record struct PathStep(string Name, string? KeyField = null, string? Protocol = null)
{
    /// <summary>The protocol a port has when its element names none.</summary>
    public const string DefaultProtocol = "TCP";

    /// <summary>True for an element selector; <see cref="Name"/> then holds the key's value (or the position).</summary>
    public bool IsElement => KeyField is not null;

    /// <summary>True for an element by position: its <see cref="KeyField"/> is empty, its <see cref="Name"/> the index (or <c>*</c>).</summary>
    public bool IsPosition => KeyField is { Length: 0 };

    /// <summary>True for an element of a list of ports, keyed by number and protocol.</summary>
    public bool IsPortKey => IsPortField(KeyField);

    public static PathStep Position(string index) => new(index, string.Empty);

    public static PathStep Field(string name) => new(name);

    /// <summary>An element by its key; for a port, <paramref name="protocol"/> is its protocol (null or <c>TCP</c>: TCP).</summary>
    public static PathStep Element(string keyField, string keyValue, string? protocol = null) =>
        new(keyValue, keyField, IsPortField(keyField) && ProtocolOf(protocol) != DefaultProtocol ? protocol : null);

    /// <summary>A port's protocol as the server keys it: left out (or empty) is TCP.</summary>
    public static string ProtocolOf(string? protocol) => string.IsNullOrEmpty(protocol) ? DefaultProtocol : protocol;

    /// <summary>True for the key fields of port lists (a Service's <c>port</c>, a container's <c>containerPort</c>).</summary>
    public static bool IsPortField(string? keyField) => keyField is "port" or "containerPort";

    /// <summary>
    /// True when an element whose key field reads <paramref name="keyText"/> and whose
    /// <c>protocol</c> reads <paramref name="protocolText"/> (null: none) is the one this step
    /// names; as a pattern, <c>*</c> stands for any key or any protocol, and a port pattern
    /// <c>[port=*]</c> for every port whatever its protocol.
    /// </summary>
    public bool Selects(string? keyText, string? protocolText)
    {
        if (keyText is null || (Name != "*" && Name != keyText))
        {
            return false;
        }

        if (!IsPortKey || (Name == "*" && Protocol is null) || Protocol == "*")
        {
            return true;
        }

        return ProtocolOf(Protocol) == ProtocolOf(protocolText);
    }

    public static string Escape(string text) =>
        text.AsSpan().IndexOfAny('~', '/') < 0 ? text : text.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    public static string Unescape(string text) =>
        text.Contains('~', StringComparison.Ordinal) ? text.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal) : text;

    public static string Format(IReadOnlyList<PathStep> steps) => Format(steps, steps.Count);

    public static string Format(IReadOnlyList<PathStep> steps, int count)
    {
        if (count == 0)
        {
            return string.Empty;
        }

        // One builder per thread: a drift's path is formatted on every drift found.
        var sb = t_builder ??= new StringBuilder(128);
        sb.Clear();
        for (var i = 0; i < count; i++)
        {
            var step = steps[i];
            if (step.IsPosition)
            {
                sb.Append('[').Append(step.Name).Append(']');
            }
            else if (step.IsElement)
            {
                sb.Append('[').Append(step.KeyField).Append('=').Append(Escape(step.Name));
                if (step.Protocol is not null)
                {
                    sb.Append(",protocol=").Append(step.Protocol);
                }

                sb.Append(']');
            }
            else
            {
                sb.Append('/').Append(Escape(step.Name));
            }
        }

        var text = sb.ToString();
        if (sb.Capacity > 4096)
        {
            t_builder = null;
        }

        return text;
    }

    [ThreadStatic]
    private static StringBuilder? t_builder;

    /// <summary>Parses a path in drift syntax. Returns null and a reason when it is malformed.</summary>
    public static PathStep[]? Parse(string path, out string? error)
    {
        error = null;
        var steps = new List<PathStep>();
        if (path.Length == 0)
        {
            return [];
        }

        if (path[0] != '/')
        {
            error = "a path starts with '/' (or is empty for the whole resource)";
            return null;
        }

        var i = 0;
        while (i < path.Length)
        {
            if (path[i] == '/')
            {
                var end = i + 1;
                while (end < path.Length && path[end] != '/' && path[end] != '[')
                {
                    end++;
                }

                var name = path[(i + 1)..end];
                if (name.Length == 0)
                {
                    error = $"empty segment at offset {i}";
                    return null;
                }

                steps.Add(Field(Unescape(name)));
                i = end;
            }
            else if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                var eq = path.IndexOf('=', i);
                if (close > i + 1 && (eq < 0 || eq > close) && steps.Count > 0 && !steps[^1].IsElement && IsIndex(path.AsSpan(i + 1, close - i - 1)))
                {
                    steps.Add(Position(path[(i + 1)..close]));
                    i = close + 1;
                    continue;
                }

                if (close < 0 || eq < 0 || eq > close || eq == i + 1 || steps.Count == 0 || steps[^1].IsElement)
                {
                    error = $"a selector is written name[key=value] or name[N] (at offset {i})";
                    return null;
                }

                var keyField = path[(i + 1)..eq];
                var value = path[(eq + 1)..close];
                string? protocol = null;
                var comma = IsPortField(keyField) ? value.IndexOf(",protocol=", StringComparison.Ordinal) : -1;
                if (comma >= 0)
                {
                    protocol = value[(comma + ",protocol=".Length)..];
                    value = value[..comma];
                    if (protocol.Length == 0 || value.Length == 0)
                    {
                        error = $"a port is selected as [{keyField}=N] or [{keyField}=N,protocol=P] (at offset {i})";
                        return null;
                    }
                }

                steps.Add(Element(keyField, Unescape(value), protocol));
                i = close + 1;
            }
            else
            {
                error = $"unexpected '{path[i]}' at offset {i}";
                return null;
            }
        }

        return [.. steps];
    }

    /// <summary>A position: digits, or <c>*</c> for any.</summary>
    private static bool IsIndex(ReadOnlySpan<char> text) => text is "*" || (text.Length <= 9 && !text.ContainsAnyExceptInRange('0', '9'));
}
