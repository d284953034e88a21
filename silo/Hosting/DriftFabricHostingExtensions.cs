using DriftFabric.Abstractions;
using DriftFabric.Grains;
using DriftFabric.Grains.Fleet;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Orleans.Storage;

namespace DriftFabric.Silo.Hosting;

public static class DriftFabricHostingExtensions
{
    /// <summary>
    /// How often stream pulling agents look for new events. Orleans' default (100 ms) would add
    /// up to that much to every event's delivery; detection is meant to take milliseconds.
    /// </summary>
    public static readonly TimeSpan EventPollPeriod = TimeSpan.FromMilliseconds(5);

    /// <summary>How long a call may take before it fails: long enough for the first load of a large cluster.</summary>
    public static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The embedded fabric: grain state and stream subscriptions in memory, drift events on
    /// memory streams. Fine for one process; a silo's death loses them.
    /// </summary>
    public static ISiloBuilder AddDriftFabricEmbedded(this ISiloBuilder silo)
    {
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.TryAddSingleton<FleetLoader>();

        // Grain state is written with Orleans' own serializer (the codecs its [GenerateSerializer]
        // types already have), not the default JSON one, which cannot read back positional records.
        foreach (var name in new[] { StorageNames.Grains, StorageNames.PubSub })
        {
            silo.Services.AddOptions<MemoryGrainStorageOptions>(name)
                .Configure<Orleans.Serialization.Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        }

        // Loading a large cluster (a full list of 100,000 objects, every service judged) is one
        // call that can take longer than Orleans' default 30 s.
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = LoadTimeout);

        return silo
            .AddMemoryGrainStorage(StorageNames.Grains)
            .AddMemoryGrainStorage(StorageNames.PubSub)
            .AddMemoryStreams(DriftStreams.ProviderName, streams => streams.ConfigurePullingAgent(agent => agent.Configure(o =>
                o.GetQueueMsgsTimerPeriod = EventPollPeriod)));
    }

    /// <summary>What a client of the embedded fabric needs to subscribe to drift events.</summary>
    public static IClientBuilder AddDriftFabricEmbeddedClient(this IClientBuilder client)
    {
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = LoadTimeout);
        return client.AddMemoryStreams(DriftStreams.ProviderName);
    }
}
