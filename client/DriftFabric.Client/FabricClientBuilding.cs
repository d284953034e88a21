using DriftFabric.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using StackExchange.Redis;

namespace DriftFabric.Client;

/// <summary>Connection settings of <see cref="IDriftClient"/>.</summary>
public sealed class DriftClientOptions
{
    /// <summary>The Redis of a Redis-backed fabric (<c>host:port</c>), where the client finds the silos; null for an embedded silo on this machine.</summary>
    public string? Redis { get; set; }

    /// <summary>The gateway port of the embedded silo (its <c>--gateway-port</c>).</summary>
    public int GatewayPort { get; set; } = 30000;
}

/// <summary>Registers the DriftFabric client, and configures Orleans clients of the fabric.</summary>
public static class DriftFabricClientExtensions
{
    /// <summary>
    /// Registers <see cref="IDriftClient"/> over an Orleans client of the fabric (started and
    /// stopped with the host): through Redis for a fleet-scale fabric, else the embedded silo's
    /// gateway on this machine.
    /// </summary>
    public static IServiceCollection AddDriftFabricClient(this IServiceCollection services, Action<DriftClientOptions>? configure = null)
    {
        var options = new DriftClientOptions();
        configure?.Invoke(options);
        services.AddOrleansClient(client =>
        {
            if (options.Redis is { } redis)
            {
                client.AddDriftFabricRedisClient(redis);
            }
            else
            {
                client.UseLocalhostClustering(options.GatewayPort).AddDriftFabricEmbeddedClient();
            }
        });
        services.AddSingleton<IDriftClient>(sp => new DriftClient(sp.GetRequiredService<IClusterClient>()));
        return services;
    }

    /// <summary>What a client of the embedded fabric needs besides its clustering (the call timeout).</summary>
    public static IClientBuilder AddDriftFabricEmbeddedClient(this IClientBuilder client) =>
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = FabricDefaults.LoadTimeout);

    /// <summary>A client of a Redis-backed fabric: finds the silos' gateways through Redis.</summary>
    /// <param name="redis">A StackExchange.Redis configuration string, e.g. <c>host:6379</c>.</param>
    public static IClientBuilder AddDriftFabricRedisClient(this IClientBuilder client, string redis)
    {
        var options = RedisOptions(redis);
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = FabricDefaults.FabricId;
            o.ServiceId = FabricDefaults.FabricId;
        });
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = FabricDefaults.LoadTimeout);
        return client.UseRedisClustering(o => o.ConfigurationOptions = options);
    }

    /// <summary>A Redis configuration that keeps retrying while Redis is down instead of failing start-up.</summary>
    public static ConfigurationOptions RedisOptions(string redis)
    {
        var options = ConfigurationOptions.Parse(redis);
        options.AbortOnConnectFail = false;
        options.ConnectRetry = 3;
        options.ConnectTimeout = 2000;
        options.SyncTimeout = 5000;
        options.AsyncTimeout = 5000;
        return options;
    }
}
