using DriftFabric.Engine.Model;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Comparison;

/// <summary>Turns compared values into report values: quantities canonical, Secret values digested.</summary>
internal static class ReportValues
{
    /// <param name="digest">How Secret values are digested (used only when <paramref name="isSecret"/>).</param>
    public static Node? Prepare(Node? value, List<PathStep> path, bool quantity, bool isSecret, SecretDigest digest)
    {
        if (value is null)
        {
            return null;
        }

        if (!isSecret && !quantity && value is ScalarNode)
        {
            return value;
        }

        // Walk adds and removes its own steps: the path is as it was when it returns.
        return Walk(value, path, quantity, isSecret, digest);
    }

    private static Node Walk(Node value, List<PathStep> steps, bool quantity, bool isSecret, SecretDigest digest)
    {
        switch (value)
        {
            case ScalarNode scalar:
                if (isSecret && SecretPath(steps) is { } secretKind)
                {
                    return ScalarNode.String(secretKind == SecretKind.Data ? SecretValues.DigestOfData(scalar.Text, digest) : SecretValues.DigestOfText(scalar.Text, digest), scalar.Line);
                }

                return quantity && scalar.Kind is NodeKind.String or NodeKind.Number && Quantity.TryParse(scalar, out var q)
                    ? ScalarNode.String(q.ToString(), scalar.Line)
                    : scalar;
            case MapNode map:
                // Subtrees with nothing to canonicalize or digest are kept as they are.
                Node[]? values = null;
                for (var i = 0; i < map.Count; i++)
                {
                    var key = map.KeyAt(i);
                    steps.Add(PathStep.Field(key));
                    var walked = Walk(map.ValueAt(i), steps, quantity || Quantity.IsContextKey(key), isSecret, digest);
                    steps.RemoveAt(steps.Count - 1);
                    if (!ReferenceEquals(walked, map.ValueAt(i)))
                    {
                        values ??= CopyValues(map);
                        values[i] = walked;
                    }
                }

                return values is null ? map : new MapNode(KeysOf(map), values, map.Line);
            case ListNode list:
                Node[]? items = null;
                for (var i = 0; i < list.Count; i++)
                {
                    // Positions inside a value need no selector: only the prefix decides redaction.
                    var walked = Walk(list[i], steps, quantity, isSecret, digest);
                    if (!ReferenceEquals(walked, list[i]))
                    {
                        items ??= [.. list.Items];
                        items[i] = walked;
                    }
                }

                return items is null ? list : new ListNode(items, list.Line);
            default:
                return value;
        }
    }

    private static Node[] CopyValues(MapNode map)
    {
        var values = new Node[map.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = map.ValueAt(i);
        }

        return values;
    }

    private static string[] KeysOf(MapNode map)
    {
        var keys = new string[map.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = map.KeyAt(i);
        }

        return keys;
    }

    private enum SecretKind
    {
        Data,
        Text,
    }

    private static SecretKind? SecretPath(List<PathStep> steps)
    {
        if (steps.Count == 0 || steps[0].IsElement)
        {
            return null;
        }

        return steps[0].Name switch
        {
            "data" or "binaryData" => SecretKind.Data,
            "stringData" => SecretKind.Text,
            "metadata" when steps.Count >= 3 && steps[1].Name == "annotations" && steps[2].Name == SecretValues.LastAppliedAnnotation => SecretKind.Text,
            _ => null,
        };
    }
}
