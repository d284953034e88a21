using System.Globalization;

namespace DriftFabric.Silo;

/// <summary>Command-line options of the silo.</summary>
public sealed record SiloOptions(string FleetPath, int SiloPort, int GatewayPort)
{
    public const string Usage = "usage: driftfabric-silo [--fleet PATH] [--silo-port N] [--gateway-port N]";

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

    public static bool TryParse(string[] args, out SiloOptions options, out string? error)
    {
        string? fleet = null;
        int siloPort = 11111, gatewayPort = 30000;
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

        options = new SiloOptions(Path.GetFullPath(fleet), siloPort, gatewayPort);
        return true;
    }
}
