namespace DriftFabric.Sources.Kustomize;

/// <summary>How a kustomization is rendered: the <c>kubectl</c> run, how long it may take, how much it may print.</summary>
public sealed record KustomizeOptions
{
    public static readonly KustomizeOptions Default = new();

    /// <summary>The kubectl binary (its own <c>kustomize</c> renders: no second tool to install).</summary>
    public string Kubectl { get; init; } = "kubectl";

    /// <summary>A render that takes longer is stopped: a remote base that hangs must not hold the cluster's reload.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Rendered output past this is refused, and kubectl stopped, before it is held in memory: a
    /// generator over a large file must be an error naming the kustomization, not an out-of-memory.
    /// </summary>
    public long MaxOutputBytes { get; init; } = 32L << 20;
}
