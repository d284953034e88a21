using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Engine;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Policy;

namespace DriftFabric.Grains.Fleet;

/// <summary>
/// Drift policies travel as the fleet spec's text (a <see cref="PolicySource"/>); each silo parses a
/// given text once and shares the engine built from it, which digests Secret values with the
/// silo's <see cref="SecretDigest"/> (the installation's: the same on every silo of a fabric).
/// </summary>
public sealed class PolicyCache(SecretDigest digest)
{
    private readonly ConcurrentDictionary<(string Hash, string Namespace), DriftEngine> _engines = new();

    /// <summary>The digest every engine of this cache seals and shows Secret values with.</summary>
    public SecretDigest Digest => digest;

    /// <summary>The policy of a fleet spec: its policy sections only (see <see cref="FleetSpecReader.PolicyText"/>), identified by their hash.</summary>
    public static PolicySource SourceOf(string source, string specText)
    {
        var text = FleetSpecReader.PolicyText(specText);
        return new(source, text, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16]);
    }

    /// <summary>The engine for a policy, with desired objects that name no namespace placed in <paramref name="defaultNamespace"/>.</summary>
    public DriftEngine EngineFor(PolicySource policy, string defaultNamespace) =>
        _engines.GetOrAdd((policy.Hash, defaultNamespace), static (key, state) =>
        {
            var basePolicy = state.Policy.Text.Length == 0 ? DriftPolicy.Default : FleetSpecReader.Parse(state.Policy.Source, state.Policy.Text).Policy;
            return new DriftEngine(basePolicy with { DefaultNamespace = key.Namespace, SecretDigest = state.Digest });
        }, (Policy: policy, Digest: digest));
}
