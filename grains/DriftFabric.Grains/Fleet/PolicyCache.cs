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
/// The cache is bounded: past <see cref="Capacity"/> engines (every edit of a fleet spec makes a
/// new policy text) the one used longest ago is let go, and built again if it is asked for.
/// </summary>
public sealed class PolicyCache(SecretDigest digest, int capacity = PolicyCache.DefaultCapacity)
{
    /// <summary>Policies times default namespaces a silo keeps engines for.</summary>
    public const int DefaultCapacity = 256;

    private readonly ConcurrentDictionary<(string Hash, string Namespace), Entry> _engines = new();
    private long _clock;

    /// <summary>The digest every engine of this cache seals and shows Secret values with.</summary>
    public SecretDigest Digest => digest;

    /// <summary>How many engines it keeps at most.</summary>
    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "a policy cache keeps at least one engine");

    /// <summary>How many engines it keeps now.</summary>
    public int Count => _engines.Count;

    /// <summary>The policy of a fleet spec: its policy sections only (see <see cref="DriftPolicyReader.PolicyText"/>), identified by their hash.</summary>
    public static PolicySource SourceOf(string source, string specText)
    {
        var text = DriftPolicyReader.PolicyText(specText);
        return new(source, text, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16]);
    }

    /// <summary>The engine for a policy, with desired objects that name no namespace placed in <paramref name="defaultNamespace"/>.</summary>
    public DriftEngine EngineFor(PolicySource policy, string defaultNamespace)
    {
        var entry = _engines.GetOrAdd((policy.Hash, defaultNamespace), static (key, state) =>
        {
            var basePolicy = state.Policy.Text.Length == 0 ? DriftPolicy.Default : DriftPolicyReader.Parse(state.Policy.Source, state.Policy.Text).Policy;
            return new Entry(new DriftEngine(basePolicy with { DefaultNamespace = key.Namespace, SecretDigest = state.Digest }));
        }, (Policy: policy, Digest: digest));
        entry.LastUsed = Interlocked.Increment(ref _clock);
        if (_engines.Count > Capacity)
        {
            Trim();
        }

        return entry.Engine;
    }

    /// <summary>Lets go of the engines used longest ago until the cache is within its capacity (a scan, only when it is over).</summary>
    private void Trim()
    {
        lock (_engines)
        {
            var over = _engines.Count - Capacity;
            if (over <= 0)
            {
                return;
            }

            foreach (var (key, _) in _engines.OrderBy(e => e.Value.LastUsed).Take(over).ToList())
            {
                _engines.TryRemove(key, out _);
            }
        }
    }

    private sealed class Entry(DriftEngine engine)
    {
        public DriftEngine Engine { get; } = engine;

        public long LastUsed;
    }
}
