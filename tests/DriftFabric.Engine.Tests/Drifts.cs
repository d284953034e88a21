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
        var engine = new DriftEngine(policy);
        var scopes = new KindScopes();
        scopes.LearnFrom(desired, live: false);
        scopes.LearnFrom(live, live: true);
        var liveByKey = live.GroupBy(m => m.KeyIn(scopes, engine.Policy.DefaultNamespace)).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.Single());
        foreach (var manifest in desired)
        {
            var key = manifest.KeyIn(scopes, engine.Policy.DefaultNamespace);
            if (!liveByKey.TryGetValue(key, out var liveManifest) || desired.Count(m => m.KeyIn(scopes, engine.Policy.DefaultNamespace) == key) > 1)
            {
                continue;
            }

            var expected = result.Drifts.Where(d => d.Resource == key).Select(Describe);
            var actual = engine.CompareResource(key, manifest, liveManifest.ToUtf8Json(), liveManifest.Location).Select(Describe);
            Assert.Equal(expected, actual);
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
