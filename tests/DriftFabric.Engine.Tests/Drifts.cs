using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Policy;

namespace DriftFabric.Engine.Tests;

/// <summary>Runs the engine on inline YAML (desired and live) the way <c>driftfabric check</c> does.</summary>
internal static class Drifts
{
    public static CheckResult Check(string desiredYaml, string liveYaml, DriftPolicy? policy = null)
    {
        var desired = Load("desired.yaml", desiredYaml);
        var live = Load("live.yaml", liveYaml);
        Assert.Empty(desired.Errors);
        Assert.Empty(live.Errors);
        return new DriftEngine(policy).Check(desired.Manifests, live.Manifests);
    }

    public static IReadOnlyList<Drift> Of(string desiredYaml, string liveYaml, DriftPolicy? policy = null) => Check(desiredYaml, liveYaml, policy).Drifts;

    public static Drift Single(string desiredYaml, string liveYaml, DriftPolicy? policy = null) => Assert.Single(Of(desiredYaml, liveYaml, policy));

    public static ManifestSet Load(string source, string yaml)
    {
        var set = new ManifestSet();
        ManifestLoader.LoadYamlInto(source, yaml, set);
        return set;
    }

    /// <summary>Compact (resource path kind) lines, for assertions that read like the report.</summary>
    public static string[] Lines(IEnumerable<Drift> drifts) => [.. drifts.Select(d => $"{d.Resource} {d.Path} {d.Kind}")];
}
