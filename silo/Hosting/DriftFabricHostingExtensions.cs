using DriftFabric.Abstractions;
using DriftFabric.Client;
using DriftFabric.Grains;
using DriftFabric.Grains.Events;
using DriftFabric.Grains.Fleet;
using DriftFabric.Grains.Notifications;
using DriftFabric.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Persistence;
using Orleans.Storage;
using StackExchange.Redis;

namespace DriftFabric.Silo.Hosting;

public static class DriftFabricHostingExtensions
{
    /// <summary>
    /// How often stream pulling agents look for new events. Orleans' default (100 ms) would add
    /// up to that much to every event's delivery; detection is meant to take milliseconds.
    /// </summary>
    public static readonly TimeSpan EventPollPeriod = TimeSpan.FromMilliseconds(5);

    private static readonly TimeSpan LoadTimeout = FabricDefaults.LoadTimeout;
    private const string FabricId = FabricDefaults.FabricId;

    /// <summary>
    /// The embedded fabric: grain state, stream subscriptions, reminders and the event log in
    /// memory, drift events on memory streams. Fine for one process; a silo's death loses them.
    /// </summary>
    /// <param name="sharedLog">One log for several silos in one process (in-process test clusters); by default each silo has its own.</param>
    public static ISiloBuilder AddDriftFabricEmbedded(this ISiloBuilder silo, MemoryDriftEventLog? sharedLog = null)
    {
        AddCommon(silo);
        silo.Services.TryAddSingleton(GrainStateDurability.InMemory);
        if (sharedLog is not null)
        {
            silo.Services.AddSingleton<IDriftEventLog>(sharedLog);
        }
        else
        {
            silo.Services.TryAddSingleton<IDriftEventLog, MemoryDriftEventLog>();
        }

        // Grain state is written with Orleans' own serializer (the codecs its [GenerateSerializer]
        // types already have), not the default JSON one, which cannot read back positional records.
        foreach (var name in new[] { StorageNames.Grains, StorageNames.PubSub })
        {
            silo.Services.AddOptions<MemoryGrainStorageOptions>(name)
                .Configure<Orleans.Serialization.Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        }

        return silo
            .AddMemoryGrainStorage(StorageNames.Grains)
            .AddMemoryGrainStorage(StorageNames.PubSub)
            .UseInMemoryReminderService();
    }

    /// <summary>
    /// The fabric at fleet scale: Redis for membership, grain state, reminders (the watchdogs of
    /// cluster watches) and the durable per-tenant event log; any number of silos.
    /// </summary>
    /// <param name="redis">A StackExchange.Redis configuration string, e.g. <c>host:6379</c>.</param>
    public static ISiloBuilder AddDriftFabricRedis(this ISiloBuilder silo, string redis)
    {
        var options = DriftFabricClientExtensions.RedisOptions(redis);
        AddCommon(silo);
        silo.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options.Clone()));
        silo.Services.TryAddSingleton(GrainStateDurability.Durable);
        silo.Services.AddSingleton<IDriftEventLog>(sp => new RedisDriftEventLog(sp.GetRequiredService<IConnectionMultiplexer>(), FabricId + ":"));
        silo.Services.AddHostedService<RedisHealthMonitor>();
        silo.Configure<ClusterOptions>(UseFabricIds);
        silo.Configure<ClusterMembershipOptions>(DetectDeadSilosQuickly);

        foreach (var name in new[] { StorageNames.Grains, StorageNames.PubSub })
        {
            silo.AddRedisGrainStorage(name, builder => builder.Configure<Orleans.Serialization.Serializer>((o, serializer) =>
            {
                o.ConfigurationOptions = options.Clone();
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
        }

        return silo
            .UseRedisClustering(o => o.ConfigurationOptions = options.Clone())
            .UseRedisReminderService(o => o.ConfigurationOptions = options.Clone());
    }

    /// <summary>
    /// Failover in seconds, not the default's 10 to 15: a silo is probed every second (Orleans
    /// adapts the timeout to the answers it sees, between 0.5 and 4 s), suspected after two missed
    /// probes and declared dead on two votes (or every survivor's, when fewer remain), so a killed
    /// silo's grains (a tenant's log writer, its clusters' watches) come back on a survivor about
    /// 3 s after the kill. The membership table is read every 5 s besides the gossip that
    /// announces a death at once.
    /// </summary>
    private static void DetectDeadSilosQuickly(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = TimeSpan.FromSeconds(1);
        options.NumMissedProbesLimit = 2;
        options.TableRefreshTimeout = TimeSpan.FromSeconds(5);
    }

    private static void UseFabricIds(ClusterOptions options)
    {
        options.ClusterId = FabricId;
        options.ServiceId = FabricId;
    }

    private static void AddCommon(ISiloBuilder silo)
    {
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.TryAddSingleton<FleetLoader>();
        silo.Services.TryAddSingleton<FabricHealth>();
        silo.Services.TryAddSingleton(_ => new WebhookSender());
        silo.Services.AddMetrics();
        silo.Services.TryAddSingleton<FabricMetrics>();

        // Traces follow a change from a cluster through its services to the tenant's log.
        silo.AddActivityPropagation();
        silo.Services.AddPlacementDirector<WatchPlacementStrategy, WatchPlacementDirector>();

        // Loading a large cluster (a full list of 100,000 objects, every service judged) is one
        // call that can take longer than Orleans' default 30 s.
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = LoadTimeout);
        silo.AddMemoryStreams(DriftStreams.ProviderName, streams => streams.ConfigurePullingAgent(agent => agent.Configure(o =>
            o.GetQueueMsgsTimerPeriod = EventPollPeriod)));
    }
}

/// <summary>Pings Redis every second and reports it to <see cref="FabricHealth"/> as component <c>redis</c>.</summary>
internal sealed class RedisHealthMonitor(IConnectionMultiplexer redis, FabricHealth health) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        do
        {
            try
            {
                await redis.GetDatabase().PingAsync();
                health.Report("redis", null);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                health.Report("redis", $"redis {redis.Configuration.Split(',')[0]} unreachable: {e.Message}");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
