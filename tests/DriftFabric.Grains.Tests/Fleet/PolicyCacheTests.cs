using DriftFabric.Engine.Comparison;
using DriftFabric.Grains.Fleet;

namespace DriftFabric.Grains.Tests.Fleet;

/// <summary>A silo keeps one engine per policy it was sent, and no more than its capacity of them.</summary>
public sealed class PolicyCacheTests
{
    private static Abstractions.PolicySource Policy(int i) =>
        PolicyCache.SourceOf("driftfabric.yaml", $"ignore:\n  - resource: apps/Deployment/shop/web-{i}\n    path: /spec/replicas\n");

    [Fact]
    public void The_same_policy_is_parsed_once_and_its_engine_shared()
    {
        var cache = new PolicyCache(SecretDigest.Sha256);

        Assert.Same(cache.EngineFor(Policy(1), "default"), cache.EngineFor(Policy(1), "default"));
        Assert.NotSame(cache.EngineFor(Policy(1), "default"), cache.EngineFor(Policy(1), "shop"));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void Past_its_capacity_it_lets_go_of_the_engine_used_longest_ago()
    {
        var cache = new PolicyCache(SecretDigest.Sha256, capacity: 3);
        var first = cache.EngineFor(Policy(1), "default");
        var second = cache.EngineFor(Policy(2), "default");
        cache.EngineFor(Policy(3), "default");
        Assert.Same(first, cache.EngineFor(Policy(1), "default")); // used again: now the newest

        for (var i = 4; i < 200; i++)
        {
            cache.EngineFor(Policy(i), "default");
            Assert.True(cache.Count <= 3, $"{cache.Count} engines kept after {i} policies");
        }

        Assert.NotSame(second, cache.EngineFor(Policy(2), "default"));
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public void A_cache_that_keeps_nothing_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PolicyCache(SecretDigest.Sha256, capacity: 0));
    }
}
