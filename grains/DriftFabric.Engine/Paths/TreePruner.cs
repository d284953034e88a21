using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Paths;

/// <summary>
/// Removes the subtrees that path patterns name, from desired and live alike, so that ignored
/// fields take no part in the comparison at all (an ignored key inside an otherwise drifted
/// map then changes where and whether drift is reported, as it should).
/// </summary>
public static class TreePruner
{
    public static MapNode Prune(MapNode root, IReadOnlyList<PathPattern> patterns)
    {
        if (patterns.Count == 0)
        {
            return root;
        }

        var active = new List<(PathPattern Pattern, int Depth)>(patterns.Count);
        foreach (var pattern in patterns)
        {
            if (!pattern.IsRoot)
            {
                active.Add((pattern, 0));
            }
        }

        return (MapNode)(PruneNode(root, active) ?? MapNode.Empty);
    }

    /// <summary>Returns the pruned node, or null when a pattern removes it entirely.</summary>
    private static Node? PruneNode(Node node, List<(PathPattern Pattern, int Depth)> active)
    {
        switch (node)
        {
            case MapNode map:
                return PruneMap(map, active);
            case ListNode list:
                return PruneList(list, active);
            default:
                return node;
        }
    }

    private static MapNode PruneMap(MapNode map, List<(PathPattern Pattern, int Depth)> active)
    {
        List<string>? keys = null;
        List<Node>? values = null;
        for (var i = 0; i < map.Count; i++)
        {
            var key = map.KeyAt(i);
            var value = map.ValueAt(i);
            var (removed, next) = Advance(active, PathStep.Field(key));
            var pruned = removed ? null : next.Count == 0 ? value : PruneNode(value, next);
            if (!ReferenceEquals(pruned, value) && keys is null)
            {
                keys = new List<string>(map.Count);
                values = new List<Node>(map.Count);
                for (var j = 0; j < i; j++)
                {
                    keys.Add(map.KeyAt(j));
                    values.Add(map.ValueAt(j));
                }
            }

            if (keys is not null && pruned is not null)
            {
                keys.Add(key);
                values!.Add(pruned);
            }
        }

        return keys is null ? map : new MapNode([.. keys], [.. values!], map.Line);
    }

    private static ListNode PruneList(ListNode list, List<(PathPattern Pattern, int Depth)> active)
    {
        List<Node>? items = null;
        for (var i = 0; i < list.Count; i++)
        {
            var item = list[i];
            var removed = false;
            var next = new List<(PathPattern Pattern, int Depth)>();
            foreach (var (pattern, depth) in active)
            {
                var step = pattern.Steps[depth];
                if (step.IsElement && !step.IsPosition && item is MapNode element && element[step.KeyField!] is ScalarNode key
                    && step.Selects(key.Text, element.GetString("protocol")))
                {
                    removed |= depth + 1 == pattern.Steps.Count;
                    next.Add((pattern, depth + 1));
                }
            }

            var pruned = removed ? null : next.Count == 0 ? item : PruneNode(item, next);
            if (!ReferenceEquals(pruned, item) && items is null)
            {
                items = [.. list.Items.Take(i)];
            }

            if (items is not null && pruned is not null)
            {
                items.Add(pruned);
            }
        }

        return items is null ? list : new ListNode([.. items], list.Line);
    }

    private static (bool Removed, List<(PathPattern Pattern, int Depth)> Next) Advance(List<(PathPattern Pattern, int Depth)> active, PathStep step)
    {
        var next = new List<(PathPattern, int)>();
        foreach (var (pattern, depth) in active)
        {
            if (!PathPattern.StepMatches(pattern.Steps[depth], step))
            {
                continue;
            }

            if (depth + 1 == pattern.Steps.Count)
            {
                return (true, next);
            }

            next.Add((pattern, depth + 1));
        }

        return (false, next);
    }
}
