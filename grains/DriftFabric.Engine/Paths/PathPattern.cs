namespace DriftFabric.Engine.Paths;

/// <summary>
/// A drift path used as a pattern by ignore and severity rules: <c>*</c> stands for any key,
/// <c>[name=*]</c> for any element (<c>[port=*]</c> for any port, whatever its protocol;
/// <c>[port=53,protocol=*]</c> for port 53 of any protocol). A pattern covers its own path and
/// everything below it.
/// </summary>
public sealed class PathPattern
{
    public const string Wildcard = "*";

    private PathPattern(string text, PathStep[] steps)
    {
        Text = text;
        Steps = steps;
    }

    public string Text { get; }

    public IReadOnlyList<PathStep> Steps { get; }

    /// <summary>The whole resource.</summary>
    public bool IsRoot => Steps.Count == 0;

    public static PathPattern? TryParse(string text, out string? error)
    {
        var steps = PathStep.Parse(text, out error);
        return steps is null ? null : new PathPattern(text, steps);
    }

    public static PathPattern Parse(string text) => TryParse(text, out var error) ?? throw new FormatException(error);

    public static bool StepMatches(PathStep pattern, PathStep actual) =>
        pattern.IsElement == actual.IsElement
        && (!pattern.IsElement || pattern.KeyField == actual.KeyField)
        && (pattern.IsElement && !pattern.IsPosition ? pattern.Selects(actual.Name, actual.Protocol) : pattern.Name == Wildcard || pattern.Name == actual.Name);

    /// <summary>True when <paramref name="path"/> is this pattern's path or lies below it.</summary>
    public bool Covers(IReadOnlyList<PathStep> path)
    {
        if (path.Count < Steps.Count)
        {
            return false;
        }

        for (var i = 0; i < Steps.Count; i++)
        {
            if (!StepMatches(Steps[i], path[i]))
            {
                return false;
            }
        }

        return true;
    }

    public bool Covers(string path) => PathStep.Parse(path, out _) is { } steps && Covers(steps);

    public override string ToString() => Text;
}
