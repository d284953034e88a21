using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Policy;

/// <summary>
/// Ignore rules written in the code itself: <c>driftfabric.io/ignore: "/spec/replicas,
/// /metadata/labels/team"</c> on a desired object drops those paths (drift path syntax,
/// selectors and <c>*</c> allowed) for that object only. Paths are separated by commas or new
/// lines (a comma inside a selector, <c>[port=53,protocol=UDP]</c>, belongs to it). A malformed
/// annotation ignores nothing and is an error naming the file and line: it never ignores all.
/// </summary>
public static class IgnoreAnnotation
{
    public const string Name = "driftfabric.io/ignore";

    /// <summary>What a desired object's annotation ignores; <paramref name="error"/> is set (and nothing ignored) when it is malformed.</summary>
    public static IReadOnlyList<PathPattern> Read(MapNode root, SourceLocation location, out ManifestError? error)
    {
        error = null;
        var value = root.GetMap("metadata")?.GetMap("annotations")?[Name];
        if (value is null)
        {
            return [];
        }

        var at = location.AtLine(value.Line);
        if (value is not ScalarNode { Kind: NodeKind.String } text)
        {
            error = new ManifestError(at.Source, at.Line, $"annotation {Name}: a comma-separated list of drift paths, not {value.Kind.ToString().ToLowerInvariant()}");
            return [];
        }

        var paths = new List<PathPattern>();
        foreach (var entry in Split(text.Text))
        {
            var trimmed = entry.Trim();
            if (trimmed.Length == 0)
            {
                error = new ManifestError(at.Source, at.Line, $"annotation {Name}: an empty path in '{text.Text}' (the whole object is ignored only by the fleet spec)");
                return [];
            }

            if (PathPattern.TryParse(trimmed, out var reason) is not { } pattern)
            {
                error = new ManifestError(at.Source, at.Line, $"annotation {Name}: '{trimmed}' is not a drift path: {reason}");
                return [];
            }

            paths.Add(pattern);
        }

        return paths;
    }

    /// <summary>The entries between commas and line breaks that stand outside a selector's brackets.</summary>
    private static List<string> Split(string text)
    {
        var entries = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '[':
                    depth++;
                    break;
                case ']' when depth > 0:
                    depth--;
                    break;
                case ',' or '\n' when depth == 0:
                    entries.Add(text[start..i]);
                    start = i + 1;
                    break;
            }
        }

        // A trailing separator (a block scalar's last line break) ends the list; it names no empty path.
        var last = text[start..];
        if (last.Trim().Length > 0 || entries.Count == 0 || text[^1] != '\n')
        {
            entries.Add(last);
        }

        return entries;
    }
}
