namespace DriftFabric.Engine.Parsing;

/// <summary>
/// Bounds that keep hostile input (alias bombs, deep nesting, huge scalars, oversized
/// documents) from costing unbounded time or memory. The defaults sit well above any real
/// Kubernetes object: the API server refuses requests over 3 MiB.
/// </summary>
public sealed record ParseLimits
{
    public static readonly ParseLimits Default = new();

    /// <summary>Largest YAML file read at all (several documents).</summary>
    public long MaxYamlFileBytes { get; init; } = 64L << 20;

    /// <summary>Largest single YAML document (a <c>kind: List</c> dump included).</summary>
    public long MaxYamlDocumentBytes { get; init; } = 16L << 20;

    /// <summary>Largest JSON file read at all (a whole-cluster <c>kubectl get -o json</c> dump).</summary>
    public long MaxJsonFileBytes { get; init; } = 512L << 20;

    /// <summary>Largest single object inside a JSON file (the API server's own request limit is 3 MiB).</summary>
    public long MaxObjectBytes { get; init; } = 4L << 20;

    /// <summary>Largest single scalar.</summary>
    public int MaxScalarBytes { get; init; } = 4 << 20;

    /// <summary>Deepest nesting of maps and lists.</summary>
    public int MaxDepth { get; init; } = 100;

    /// <summary>Most nodes in one document, counting every use of an alias in full.</summary>
    public int MaxNodes { get; init; } = 2_000_000;
}
