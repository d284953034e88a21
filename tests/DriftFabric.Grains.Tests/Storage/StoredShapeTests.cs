using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Proxies;
using DriftFabric.Grains.Fleet;
using DriftFabric.Grains.Proxies;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace DriftFabric.Grains.Tests.Storage;

/// <summary>Grain state written by an earlier build reads back: a service's history, a proxy's config and a cluster's proxies outlive upgrades.</summary>
public sealed class StoredShapeTests
{
    private readonly Serializer _serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Theory]
    [InlineData("reverted", RemediationOutcome.Reverted)]
    [InlineData("changedsincedetection", RemediationOutcome.ChangedSinceDetection)]
    [InlineData("contested", RemediationOutcome.Contested)]
    [InlineData("adopted", RemediationOutcome.Adopted)]
    public void A_remediation_note_stored_when_its_outcome_was_text_reads_back_typed_and_is_stored_the_same_way(string stored, RemediationOutcome outcome)
    {
        FieldChange[] changes = [new("/spec/replicas", "5", "2")];
        var earlier = _serializer.SerializeToArray(new TextOutcomeNote("policy", "revert", stored, "reverted 1 field", changes));

        var note = _serializer.Deserialize<RemediationNote>(earlier)!;

        Assert.Equal(("policy", "revert", outcome, "reverted 1 field"), (note.Actor, note.Action, note.Outcome, note.Message));
        Assert.Equal(changes, note.Changes);
        Assert.Equal(earlier, _serializer.SerializeToArray(note));
    }

    [Theory]
    [InlineData("caddy", ProxyKind.Caddy)]
    [InlineData("haproxy", ProxyKind.Haproxy)]
    [InlineData("envoy", ProxyKind.Envoy)]
    public void A_proxy_config_stored_when_its_kind_was_text_reads_back_typed_and_is_stored_the_same_way(string stored, ProxyKind kind)
    {
        ServiceId[] services = [new("acme", "prod", "shop", "web")];
        var policy = new PolicySource("driftfabric.yaml", "ignore: []\n", "hash-1");
        var earlier = _serializer.SerializeToArray(new TextKindProxyConfig(
            "acme", "prod", "edge", stored, "http://127.0.0.1:2019", "/repo/edge.json", TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(300), services) { Policy = policy });

        var config = _serializer.Deserialize<ProxyConfig>(earlier)!;

        Assert.Equal(
            ("acme/prod/edge", kind, "http://127.0.0.1:2019", "/repo/edge.json", TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(300), policy),
            (config.Key, config.Kind, config.Admin, config.DesiredPath, config.PollInterval, config.Timeout, config.Policy));
        Assert.Equal(services, config.Services);
        Assert.Equal(earlier, _serializer.SerializeToArray(config));
        Assert.Equal(earlier, _serializer.SerializeToArray(new ProxyConfig(
            "acme", "prod", "edge", kind, "http://127.0.0.1:2019", "/repo/edge.json", TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(300), services) { Policy = policy }));
    }

    [Theory]
    [InlineData("caddy", ProxyKind.Caddy)]
    [InlineData("haproxy", ProxyKind.Haproxy)]
    [InlineData("envoy", ProxyKind.Envoy)]
    public void A_proxy_status_stored_when_its_kind_was_text_reads_back_typed_and_is_stored_the_same_way(string stored, ProxyKind kind)
    {
        var at = new DateTimeOffset(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);
        ServiceId[] services = [new("acme", "prod", "shop", "web")];
        var resource = $"{stored}/Proxy/_/edge";
        var earlier = _serializer.SerializeToArray(new TextKindProxyStatus(
            "edge", stored, "http://127.0.0.1:2019", ProxyState.Unreachable, "connection refused", at, at.AddSeconds(5), resource, services, 2, Severity.High));

        var status = _serializer.Deserialize<ProxyStatus>(earlier)!;

        Assert.Equal(
            ("edge", kind, "http://127.0.0.1:2019", ProxyState.Unreachable, "connection refused", at, at.AddSeconds(5), resource, 2, Severity.High),
            (status.Name, status.Kind, status.Admin, status.State, status.Error, status.Since, status.CheckedAt, status.Resource, status.Drifts, status.Worst));
        Assert.Equal(services, status.Services);
        Assert.Equal(earlier, _serializer.SerializeToArray(status));
        Assert.Equal(earlier, _serializer.SerializeToArray(
            new ProxyStatus("edge", kind, "http://127.0.0.1:2019", ProxyState.Unreachable, "connection refused", at, at.AddSeconds(5), resource, services, 2, Severity.High)));
    }

    [Fact]
    public void A_proxy_grain_and_a_cluster_stored_when_the_kind_was_text_read_back_the_typed_kind()
    {
        var at = new DateTimeOffset(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);
        ServiceId[] services = [new("acme", "prod", "shop", "web")];
        var config = new TextKindProxyConfig("acme", "prod", "lb", "haproxy", "unix:/run/haproxy.sock", "/repo/haproxy.cfg", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), services);
        var status = new TextKindProxyStatus("lb", "haproxy", "unix:/run/haproxy.sock", ProxyState.Ok, null, at, at, "haproxy/Proxy/_/lb", services, 0, null);

        var proxy = _serializer.Deserialize<ProxyGrainState>(_serializer.SerializeToArray(new TextKindProxyGrainState { Config = config, Status = status, Judged = true }))!;
        var cluster = _serializer.Deserialize<ClusterState>(_serializer.SerializeToArray(new TextKindClusterState { Proxies = { ["lb"] = status } }))!;

        Assert.Equal((ProxyKind.Haproxy, ProxyKind.Haproxy, true), (proxy.Config!.Kind, proxy.Status!.Kind, proxy.Judged));
        Assert.Equal(("lb", ProxyKind.Haproxy, "haproxy/Proxy/_/lb"), (cluster.Proxies["lb"].Name, cluster.Proxies["lb"].Kind, cluster.Proxies["lb"].Resource));
    }

    /// <summary>A remediation note as builds before the typed outcome stored it (field 2 a lower-case string).</summary>
    [GenerateSerializer]
    public sealed record TextOutcomeNote(
        [property: Id(0)] string Actor,
        [property: Id(1)] string Action,
        [property: Id(2)] string Outcome,
        [property: Id(3)] string Message,
        [property: Id(4)] IReadOnlyList<FieldChange> Changes);

    /// <summary>A proxy's config as builds before the typed kind stored it (field 3 its name: <c>caddy</c>).</summary>
    [GenerateSerializer]
    public sealed record TextKindProxyConfig(
        [property: Id(0)] string Tenant,
        [property: Id(1)] string Cluster,
        [property: Id(2)] string Name,
        [property: Id(3)] string Kind,
        [property: Id(4)] string Admin,
        [property: Id(5)] string DesiredPath,
        [property: Id(6)] TimeSpan PollInterval,
        [property: Id(7)] TimeSpan Timeout,
        [property: Id(8)] IReadOnlyList<ServiceId> Services)
    {
        [Id(9)]
        public PolicySource Policy { get; init; } = PolicySource.Default;
    }

    /// <summary>A proxy's status as builds before the typed kind stored it (field 1 its name: <c>caddy</c>).</summary>
    [GenerateSerializer]
    public sealed record TextKindProxyStatus(
        [property: Id(0)] string Name,
        [property: Id(1)] string Kind,
        [property: Id(2)] string Admin,
        [property: Id(3)] ProxyState State,
        [property: Id(4)] string? Error,
        [property: Id(5)] DateTimeOffset? Since,
        [property: Id(6)] DateTimeOffset? CheckedAt,
        [property: Id(7)] string Resource,
        [property: Id(8)] IReadOnlyList<ServiceId> Services,
        [property: Id(9)] int Drifts,
        [property: Id(10)] Severity? Worst);

    /// <summary>A proxy grain's state as builds before the typed kind stored it (the fields that hold a kind).</summary>
    [GenerateSerializer]
    public sealed class TextKindProxyGrainState
    {
        [Id(0)]
        public TextKindProxyConfig? Config { get; set; }

        [Id(2)]
        public TextKindProxyStatus? Status { get; set; }

        [Id(3)]
        public bool Judged { get; set; }
    }

    /// <summary>A cluster's state as builds before the typed kind stored it (its proxies' statuses).</summary>
    [GenerateSerializer]
    public sealed class TextKindClusterState
    {
        [Id(6)]
        public Dictionary<string, TextKindProxyStatus> Proxies { get; set; } = new(StringComparer.Ordinal);
    }
}
