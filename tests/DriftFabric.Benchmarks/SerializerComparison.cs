using System.Diagnostics;
using System.Globalization;
using DriftFabric.Abstractions;
using DriftFabric.Grains.Services;
using MessagePack;
using MessagePack.Resolvers;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using DriftFabric.Engine.Comparison;

namespace DriftFabric.Benchmarks;

/// <summary>
/// <c>serializers</c>: which format keeps grain state smaller and faster, Orleans' own serializer
/// (what the fabric stores with) or MessagePack, on a service's real state: its documents
/// (compact JSON), a drift set and a full history.
/// </summary>
internal static class SerializerComparison
{
    public static int Run()
    {
        var state = SampleState();
        var orleans = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        var options = MessagePackSerializerOptions.Standard.WithResolver(ContractlessStandardResolverAllowPrivate.Instance);

        var orleansBytes = orleans.SerializeToArray(state);
        var packBytes = MessagePackSerializer.Serialize(state, options);
        var back = MessagePackSerializer.Deserialize<ServiceState>(packBytes, options);
        var orleansBack = orleans.Deserialize<ServiceState>(orleansBytes);
        if (back is null || orleansBack is null || back.Drifts.Count != state.Drifts.Count || orleansBack.History.Count != state.History.Count || !Equals(back.History[^1], state.History[^1]))
        {
            Console.Error.WriteLine("a serializer did not round-trip the state");
            return 1;
        }

        var lz4 = options.WithCompression(MessagePackCompression.Lz4BlockArray);
        var lz4Bytes = MessagePackSerializer.Serialize(state, lz4);
        var orleansNs = Time(() => orleans.Deserialize<ServiceState>(orleans.SerializeToArray(state)));
        var packNs = Time(() => MessagePackSerializer.Deserialize<ServiceState>(MessagePackSerializer.Serialize(state, options), options));
        var lz4Ns = Time(() => MessagePackSerializer.Deserialize<ServiceState>(MessagePackSerializer.Serialize(state, lz4), lz4));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"serializers\",\"state\":\"service with {state.Desired.Count} documents, {state.Drifts.Count} drifts, {state.History.Count} history\","
            + $"\"orleans_bytes\":{orleansBytes.Length},\"messagepack_bytes\":{packBytes.Length},\"messagepack_lz4_bytes\":{lz4Bytes.Length},"
            + $"\"orleans_roundtrip_us\":{orleansNs / 1000:0.0},\"messagepack_roundtrip_us\":{packNs / 1000:0.0},\"messagepack_lz4_roundtrip_us\":{lz4Ns / 1000:0.0}}}"));
        return 0;
    }

    private static double Time(Action roundTrip)
    {
        for (var i = 0; i < 500; i++)
        {
            roundTrip();
        }

        const int N = 5000;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < N; i++)
        {
            roundTrip();
        }

        return watch.Elapsed.TotalNanoseconds / N;
    }

    private static byte[] DesiredJson(string yaml)
    {
        var set = new DriftFabric.Engine.Manifests.ManifestSet();
        DriftFabric.Engine.Manifests.ManifestLoader.LoadBytesInto("desired.yaml", System.Text.Encoding.UTF8.GetBytes(yaml), set);
        return set.Manifests.Single().Root.ToUtf8Json();
    }

    private static ServiceState SampleState()
    {
        var state = new ServiceState();
        var at = DateTimeOffset.Parse("2026-11-20T02:14:00Z", CultureInfo.InvariantCulture);
        foreach (var r in FleetGenerator.App("shop", "checkout", 1, i => i == 0))
        {
            var key = $"{(r.Kind is "Deployment" ? "apps" : r.Kind is "VirtualService" or "DestinationRule" ? "networking.istio.io" : "core")}/{r.Kind}/shop/checkout";
            state.Desired.Add(StoredDocument.From(new ResourceDocument(key, DesiredJson(r.DesiredYaml), "repo/checkout.yaml", 1)));
            state.Live.Add(StoredDocument.From(new ResourceDocument(key, System.Text.Encoding.UTF8.GetBytes(System.Text.Json.Nodes.JsonNode.Parse(r.LiveJson)!.ToJsonString()), null, 0)));
        }

        var drift = new DriftRecord("apps/Deployment/shop/checkout", "/spec/replicas", DriftKind.Modified, Severity.Medium, "3", "7", "kubectl-scale", at, at, "repo/checkout.yaml:9");
        state.Drifts[drift.Id] = drift;
        for (var i = 0; i < ServiceHistory.Capacity; i++)
        {
            state.History.Add(new DriftTransition((DriftEventType)(i % 3), drift with { Live = i.ToString(CultureInfo.InvariantCulture) }, at.AddMinutes(i)));
        }

        state.Summary = new DriftSummary(6, 1, 0, 0, 1, 0, 1, 1);
        return state;
    }
}
