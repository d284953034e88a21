using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Engine;
using DriftFabric.Engine.Policy;

namespace DriftFabric.Grains.Fleet;

/// <summary>
/// Drift policies travel as the fleet spec's text (a <see cref="PolicySource"/>); each silo parses a
/// given text once and shares the engine built from it.
/// </summary>
public static class PolicyCache
{
    private static readonly ConcurrentDictionary<(string Hash, string Namespace), DriftEngine> Engines = new();

    /// <summary>The policy of a fleet spec: its policy sections only (see <see cref="FleetSpecReader.PolicyText"/>), identified by their hash.</summary>
    public static PolicySource SourceOf(string source, string specText)
    {
        var text = FleetSpecReader.PolicyText(specText);
        return new(source, text, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16]);
    }

    /// <summary>The engine for a policy, with desired objects that name no namespace placed in <paramref name="defaultNamespace"/>.</summary>
    public static DriftEngine EngineFor(PolicySource policy, string defaultNamespace) =>
        Engines.GetOrAdd((policy.Hash, defaultNamespace), static (key, p) =>
        {
            var basePolicy = p.Text.Length == 0 ? DriftPolicy.Default : FleetSpecReader.Parse(p.Source, p.Text).Policy;
            return new DriftEngine(new DriftPolicy
            {
                DefaultNamespace = key.Namespace,
                Managers = basePolicy.Managers,
                Ignore = basePolicy.Ignore,
                SeverityOverrides = basePolicy.SeverityOverrides,
                Remediation = basePolicy.Remediation,
            });
        }, policy);
}
