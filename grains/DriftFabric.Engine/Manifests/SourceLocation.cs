namespace DriftFabric.Engine.Manifests;

/// <summary>Where something was read: a file (or other named source) and a 1-based line, 0 when unknown.</summary>
public readonly record struct SourceLocation(string Source, int Line)
{
    public SourceLocation AtLine(int line) => line > 0 ? this with { Line = line } : this;

    public override string ToString() => Line > 0 ? $"{Source}:{Line}" : Source;
}

/// <summary>An input that could not be used, named by source and line.</summary>
public sealed record ManifestError(string Source, int Line, string Message)
{
    public override string ToString() => Line > 0 ? $"{Source}:{Line}: {Message}" : $"{Source}: {Message}";
}
