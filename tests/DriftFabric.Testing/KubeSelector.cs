using System.Text.Json.Nodes;

namespace DriftFabric.Testing;

/// <summary>
/// What a list or watch selects: <c>fieldSelector=metadata.name=N</c> (what <c>kubectl get NAME
/// --watch</c> sends) and equality-based label selectors (<c>app=web</c>, <c>app!=web</c>,
/// <c>app</c>, <c>!app</c>, comma-separated, all must hold). Set-based label selectors
/// (<c>in</c>, <c>notin</c>) and other field selectors are not simulated: <see cref="Parse"/>
/// refuses them, so a request is answered 400 rather than with objects it did not ask for.
/// </summary>
internal sealed class KubeSelector
{
    private readonly string? _name;
    private readonly List<(string Key, string? Value, bool Equal)> _labels;

    private KubeSelector(string? name, List<(string Key, string? Value, bool Equal)> labels)
    {
        _name = name;
        _labels = labels;
    }

    /// <summary>The selector of a request's query, null when it selects everything; <paramref name="error"/> says what is not simulated.</summary>
    public static KubeSelector? Parse(string fieldSelector, string labelSelector, out string? error)
    {
        error = null;
        string? name = null;
        if (fieldSelector.Length > 0)
        {
            if (!fieldSelector.StartsWith("metadata.name=", StringComparison.Ordinal) || fieldSelector.Contains(',', StringComparison.Ordinal))
            {
                error = $"field selector not supported by this simulation: \"{fieldSelector}\"";
                return null;
            }

            name = fieldSelector["metadata.name=".Length..].TrimStart('=');
        }

        var labels = new List<(string Key, string? Value, bool Equal)>();
        foreach (var requirement in labelSelector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (requirement.Contains(' ', StringComparison.Ordinal) || requirement.Contains('(', StringComparison.Ordinal))
            {
                error = $"set-based label selectors are not supported by this simulation: \"{labelSelector}\"";
                return null;
            }

            var notEqual = requirement.IndexOf("!=", StringComparison.Ordinal);
            var equal = requirement.IndexOf('=', StringComparison.Ordinal);
            if (notEqual > 0)
            {
                labels.Add((requirement[..notEqual], requirement[(notEqual + 2)..], false));
            }
            else if (equal > 0)
            {
                labels.Add((requirement[..equal], requirement[(equal + 1)..].TrimStart('='), true));
            }
            else
            {
                // A key alone: the label exists; "!key": it does not.
                var absent = requirement.StartsWith('!');
                labels.Add((absent ? requirement[1..] : requirement, null, !absent));
            }
        }

        return name is null && labels.Count == 0 ? null : new KubeSelector(name, labels);
    }

    /// <summary>Whether the object named <paramref name="name"/>, stored as <paramref name="json"/>, is selected.</summary>
    public bool Matches(string name, string json)
    {
        if (_name is not null && name != _name)
        {
            return false;
        }

        if (_labels.Count == 0)
        {
            return true;
        }

        var labels = ManagedFieldsTracker.Parse(json)["metadata"]?["labels"] as JsonObject;
        return _labels.All(r =>
        {
            var value = labels?[r.Key]?.GetValue<string>();
            return r.Value is null ? (value is not null) == r.Equal : (value == r.Value) == r.Equal;
        });
    }
}
