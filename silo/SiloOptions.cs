using System.Globalization;

namespace DriftFabric.Silo;

/// <summary>Command-line options of the silo.</summary>
public sealed record SiloOptions(string FleetPath, int SiloPort, int GatewayPort)
{
    public const string Usage = "usage: driftfabric-silo [--fleet PATH] [--silo-port N] [--gateway-port N] [--redis HOST:PORT] [--address IP] [--api-port N] [--api-address IP]\n"
        + "  --redis (or DRIFTFABRIC__REDIS): Redis-backed fabric (clustering, grain state, reminders, durable event log)\n"
        + "  --address: the IP other silos and clients reach this silo on (Redis fabric; default: this host's address)\n"
        + "  --api-port, --api-address: where the HTTP API listens (default 127.0.0.1:5080)";

    public const int DefaultApiPort = 5080;

    /// <summary>The port of the HTTP API.</summary>
    public int ApiPort { get; init; } = DefaultApiPort;

    /// <summary>The address the HTTP API listens on: loopback unless asked otherwise.</summary>
    public System.Net.IPAddress ApiAddress { get; init; } = System.Net.IPAddress.Loopback;

    /// <summary>The Redis configuration (<c>host:port</c>) for a fleet-scale fabric; null for the embedded default.</summary>
    public string? Redis { get; init; }

    /// <summary>The address this silo advertises to the others; null for Orleans' choice.</summary>
    public System.Net.IPAddress? Address { get; init; }

    /// <summary>The example fleet shipped in the repository, found from the working directory or the binary upwards.</summary>
    public static string? FindExampleFleet()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "deploy", "examples", "driftfabric.yaml");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    public static bool TryParse(string[] args, out SiloOptions options, out string? error) =>
        TryParse(args, Environment.GetEnvironmentVariable("DRIFTFABRIC__REDIS"), out options, out error);

    /// <param name="redisFromEnvironment">The value of <c>DRIFTFABRIC__REDIS</c>; <c>--redis</c> wins over it.</param>
    public static bool TryParse(string[] args, string? redisFromEnvironment, out SiloOptions options, out string? error)
    {
        string? fleet = null;
        var redis = string.IsNullOrWhiteSpace(redisFromEnvironment) ? null : redisFromEnvironment.Trim();
        System.Net.IPAddress? address = null;
        var apiAddress = System.Net.IPAddress.Loopback;
        int siloPort = 11111, gatewayPort = 30000, apiPort = DefaultApiPort;
        error = null;
        options = null!;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--fleet" when value is not null:
                    fleet = value;
                    i++;
                    break;
                case "--silo-port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out siloPort):
                    i++;
                    break;
                case "--gateway-port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out gatewayPort):
                    i++;
                    break;
                case "--redis" when !string.IsNullOrWhiteSpace(value):
                    redis = value;
                    i++;
                    break;
                case "--address" when System.Net.IPAddress.TryParse(value, out address):
                    i++;
                    break;
                case "--api-port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out apiPort) && apiPort <= 65535:
                    i++;
                    break;
                case "--api-address" when System.Net.IPAddress.TryParse(value, out var parsed):
                    apiAddress = parsed;
                    i++;
                    break;
                default:
                    error = $"unknown or incomplete option '{args[i]}'";
                    return false;
            }
        }

        fleet ??= FindExampleFleet();
        if (fleet is null)
        {
            error = "no --fleet given and no deploy/examples/driftfabric.yaml found above the working directory";
            return false;
        }

        options = new SiloOptions(Path.GetFullPath(fleet), siloPort, gatewayPort) { Redis = redis, Address = address, ApiPort = apiPort, ApiAddress = apiAddress };
        return true;
    }
}
