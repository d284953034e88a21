namespace DriftFabric.Testing;

/// <summary>A request as it reaches the in-process API server: what a fault or a hook selects on.</summary>
public sealed record KubeRequest(string Method, string Path, string Query, string ContentType)
{
    /// <summary>A request that changes nothing: a read, or a write with <c>dryRun=All</c>.</summary>
    public bool ChangesNothing => Method == "GET" || Query.Contains("dryRun=All", StringComparison.Ordinal);

    /// <summary>A write that is not a dry run: a create, an apply, a patch or a delete.</summary>
    public bool IsRealWrite => !ChangesNothing;

    public bool IsApply => Method == "PATCH" && ContentType.StartsWith("application/apply-patch", StringComparison.Ordinal);

    public bool IsJsonPatch => Method == "PATCH" && ContentType.StartsWith("application/json-patch+json", StringComparison.Ordinal);
}
