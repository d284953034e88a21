using System.Text;

namespace DriftFabric.Engine.Paths;

/// <summary>
/// One step of a drift path: a map key (<c>/name</c>), a keyed list element (<c>[key=value]</c>),
/// or a list element by position (<c>[2]</c>, as proxy configs address lists whose items have no
/// key). Keys and selector values are escaped as in RFC 6901.
/// </summary>
public readonly record struct PathStep(string Name, string? KeyField = null)
{
    /// <summary>True for an element selector; <see cref="Name"/> then holds the key's value (or the position).</summary>
    public bool IsElement => KeyField is not null;

    /// <summary>True for an element by position: its <see cref="KeyField"/> is empty, its <see cref="Name"/> the index (or <c>*</c>).</summary>
    public bool IsPosition => KeyField is { Length: 0 };

    public static PathStep Position(string index) => new(index, string.Empty);

    public static PathStep Field(string name) => new(name);

    public static PathStep Element(string keyField, string keyValue) => new(keyValue, keyField);

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
                sb.Append('[').Append(step.KeyField).Append('=').Append(Escape(step.Name)).Append(']');
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

                steps.Add(Element(path[(i + 1)..eq], Unescape(path[(eq + 1)..close])));
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
