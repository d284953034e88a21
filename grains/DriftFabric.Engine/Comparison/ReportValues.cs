using DriftFabric.Engine.Model;
using DriftFabric.Engine.Paths;

namespace DriftFabric.Engine.Comparison;

/// <summary>Turns compared values into report values: quantities canonical, Secret values digested.</summary>
internal static class ReportValues
{
    public static Node? Prepare(Node? value, List<PathStep> path, bool quantity, bool isSecret)
    {
        if (value is null)
        {
            return null;
        }

        if (!isSecret && !quantity && value is ScalarNode)
        {
            return value;
        }

        var steps = new List<PathStep>(path);
        return Walk(value, steps, quantity, isSecret);
    }

    private static Node Walk(Node value, List<PathStep> steps, bool quantity, bool isSecret)
    {
        switch (value)
        {
            case ScalarNode scalar:
                if (isSecret && SecretPath(steps) is { } secretKind)
                {
                    return ScalarNode.String(secretKind == SecretKind.Data ? SecretValues.DigestOfData(scalar.Text) : SecretValues.DigestOfText(scalar.Text), scalar.Line);
                }

                return quantity && scalar.Kind is NodeKind.String or NodeKind.Number && Quantity.TryParse(scalar, out var q)
                    ? ScalarNode.String(q.ToString(), scalar.Line)
                    : scalar;
            case MapNode map:
                var keys = new string[map.Count];
                var values = new Node[map.Count];
                for (var i = 0; i < map.Count; i++)
                {
                    keys[i] = map.KeyAt(i);
                    steps.Add(PathStep.Field(keys[i]));
                    values[i] = Walk(map.ValueAt(i), steps, quantity || Quantity.IsContextKey(keys[i]), isSecret);
                    steps.RemoveAt(steps.Count - 1);
                }

                return new MapNode(keys, values, map.Line);
            case ListNode list:
                var items = new Node[list.Count];
                for (var i = 0; i < list.Count; i++)
                {
                    // Positions inside a value need no selector: only the prefix decides redaction.
                    items[i] = Walk(list[i], steps, quantity, isSecret);
                }

                return new ListNode(items, list.Line);
            default:
                return value;
        }
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
