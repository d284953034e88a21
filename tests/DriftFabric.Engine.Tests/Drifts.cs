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
        var result = new DriftEngine(policy).Check(desired.Manifests, live.Manifests);
        LiveJsonAgrees(desired.Manifests, live.Manifests, result, policy);
        return result;
    }

    /// <summary>
    /// Every test of the rules is also a test of the live-JSON path: each desired object compared
    /// with its live one as JSON bytes (as a watch delivers it) finds exactly the drifts
    /// <see cref="DriftEngine.Check"/> found for it.
    /// </summary>
    public static void LiveJsonAgrees(IReadOnlyList<Manifest> desired, IReadOnlyList<Manifest> live, CheckResult result, DriftPolicy? policy = null)
    {
        var engine = new DriftEngine(policy).WithCustomResources(desired.Concat(live));
        foreach (var (key, desiredManifest, liveManifest) in Pairs(desired, live, engine.Policy.DefaultNamespace))
        {
            var expected = result.Drifts.Where(d => d.Resource == key).Select(Describe);
            var actual = engine.CompareResource(key, desiredManifest, liveManifest.ToUtf8Json(), liveManifest.Location).Select(Describe);
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>Each resource declared once in desired and listed once in live, with its key, as <see cref="DriftEngine.Check"/> pairs them.</summary>
    public static IEnumerable<(ResourceKey Key, Manifest Desired, Manifest Live)> Pairs(IReadOnlyList<Manifest> desired, IReadOnlyList<Manifest> live, string defaultNamespace)
    {
        var scopes = new KindScopes();
        scopes.LearnFrom(desired, live: false);
        scopes.LearnFrom(live, live: true);
        Dictionary<ResourceKey, Manifest> Single(IReadOnlyList<Manifest> manifests) => manifests
            .GroupBy(m => m.KeyIn(scopes, defaultNamespace)).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.Single());
        var liveByKey = Single(live);
        foreach (var (key, manifest) in Single(desired))
        {
            if (liveByKey.TryGetValue(key, out var match))
            {
                yield return (key, manifest, match);
            }
        }
    }

    /// <summary>Everything a drift says, values as JSON.</summary>
    public static string Describe(Drift drift) =>
        $"{drift.Resource} {drift.Path} {drift.Kind} {drift.Severity} {drift.Desired?.ToJson()} {drift.Live?.ToJson()} {drift.Manager} {drift.ChangedAt:O} {drift.Source}";

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
