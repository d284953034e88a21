using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Policy;

/// <summary>
/// Reads the typed fields of a fleet spec (<c>driftfabric.yaml</c>), collecting errors that name
/// source, line and field (<c>driftfabric.yaml:12: ignore[1].path: ...</c>). One reader per spec:
/// the policy's sections are read by <see cref="DriftPolicyReader"/>, the fleet's topology by the
/// fleet reader of the sources, and their errors land in one list in the spec's order.
/// </summary>
public sealed class SpecReader(string source)
{
    public List<ManifestError> Errors { get; } = [];

    public SourceLocation Location(Node node) => new(source, node.Line);

    public void Error(Node node, string field, string message) =>
        Errors.Add(new ManifestError(source, node.Line, field.Length == 0 ? message : $"{field}: {message}"));

    /// <summary>The spec's root mapping; null (with an error unless the text is empty) when there is none.</summary>
    public MapNode? ReadRoot(string text)
    {
        Node? root;
        try
        {
            root = YamlReader.ReadSingle(text);
        }
        catch (ParseException e)
        {
            Errors.Add(new ManifestError(source, e.Line, e.Message));
            return null;
        }

        if (root is not null and not MapNode)
        {
            Error(root, string.Empty, "a fleet spec is a mapping");
        }

        return root as MapNode;
    }

    public void CheckFields(MapNode map, string[] allowed, string parent)
    {
        foreach (var (key, value) in map.Entries)
        {
            if (!allowed.Contains(key))
            {
                var field = parent.Length == 0 ? key : $"{parent}.{key}";
                Error(value, field, $"unknown field (expected one of: {string.Join(", ", allowed)})");
            }
        }
    }

    public void ExpectConstant(MapNode map, string key, string expected)
    {
        if (OptionalString(map, key, key) is { } value && value != expected)
        {
            Error(map[key]!, key, $"must be '{expected}', not '{value}'");
        }
    }

    public static bool Has(MapNode map, string key) => map[key] is { } value && value is not ScalarNode { Kind: NodeKind.Null };

    /// <summary>Each mapping of the list under <paramref name="field"/>, read by <paramref name="readItem"/>; items it returns null for (their errors reported) are left out.</summary>
    public List<T> ReadList<T>(MapNode parent, string field, Func<MapNode, string, SpecReader, T?> readItem)
        where T : class
    {
        var result = new List<T>();
        if (parent[field] is not { } node || node.IsEmpty)
        {
            return result;
        }

        if (node is not ListNode list)
        {
            Error(node, field, "must be a list");
            return result;
        }

        for (var i = 0; i < list.Count; i++)
        {
            var name = $"{field}[{i}]";
            if (list[i] is not MapNode item)
            {
                Error(list[i], name, "must be a mapping");
                continue;
            }

            if (readItem(item, name, this) is { } value)
            {
                result.Add(value);
            }
        }

        return result;
    }

    public string? OptionalString(MapNode map, string key, string field)
    {
        switch (map[key])
        {
            case null or ScalarNode { Kind: NodeKind.Null }:
                return null;
            case ScalarNode { Kind: NodeKind.String } s when s.Text.Length > 0:
                return s.Text;
            case { } other:
                Error(other, field, "must be a non-empty string");
                return null;
        }
    }

    /// <summary>A duration of at least 100ms (<c>500ms</c>, <c>2s</c>, <c>1m</c>), or <paramref name="fallback"/> when absent.</summary>
    public TimeSpan OptionalDuration(MapNode map, string key, string field, TimeSpan fallback)
    {
        if (OptionalString(map, key, field) is not { } text)
        {
            return fallback;
        }

        if (!TryParseDuration(text, out var duration) || duration < TimeSpan.FromMilliseconds(100))
        {
            Error(map[key]!, field, $"'{text}' is not a duration of at least 100ms (e.g. 500ms, 2s, 1m)");
            return fallback;
        }

        return duration;
    }

    public int? OptionalCount(MapNode map, string key, string field, int max = 100_000)
    {
        switch (map[key])
        {
            case null or ScalarNode { Kind: NodeKind.Null }:
                return null;
            case ScalarNode { Kind: NodeKind.Number, Exact: { } n } when n >= 1 && n <= max && decimal.Truncate(n) == n:
                return (int)n;
            case { } other:
                Error(other, field, $"must be a whole number from 1 to {max}");
                return null;
        }
    }

    public PathPattern? OptionalPath(MapNode map, string key, string field)
    {
        if (OptionalString(map, key, field) is not { } text)
        {
            return null;
        }

        var pattern = PathPattern.TryParse(text, out var error);
        if (pattern is null)
        {
            Error(map[key]!, field, $"'{text}' is not a drift path: {error}");
        }

        return pattern;
    }

    public List<string> StringList(MapNode map, string key, string field)
    {
        var result = new List<string>();
        switch (map[key])
        {
            case null or ScalarNode { Kind: NodeKind.Null }:
                break;
            case ListNode list:
                for (var i = 0; i < list.Count; i++)
                {
                    if (list[i] is ScalarNode { Kind: NodeKind.String } s && s.Text.Length > 0)
                    {
                        result.Add(s.Text);
                    }
                    else
                    {
                        Error(list[i], $"{field}[{i}]", "must be a non-empty string");
                    }
                }

                break;
            case { } other:
                Error(other, field, "must be a list of manager names");
                break;
        }

        return result;
    }

    /// <summary>A duration as the fleet spec writes them: a number and a unit (<c>500ms</c>, <c>5s</c>, <c>10m</c>, <c>1h</c>, <c>7d</c>).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : text.EndsWith('h') ? (text[..^1], 3600.0)
            : text.EndsWith('d') ? (text[..^1], 86400.0)
            : (text, double.NaN);
        if (double.IsNaN(unit) || !double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * unit);
        return true;
    }
}
