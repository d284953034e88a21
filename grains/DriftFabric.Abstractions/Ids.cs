namespace DriftFabric.Abstractions;

/// <summary>A service of a cluster of a tenant: <c>tenant/cluster/namespace/service</c>, the key of its grain.</summary>
[GenerateSerializer, Immutable, Alias("driftfabric.ServiceId")]
public sealed record ServiceId(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string Cluster,
    [property: Id(2)] string Namespace,
    [property: Id(3)] string Name)
{
    /// <summary>The catch-all service of a namespace for unmanaged objects that belong to no declared service.</summary>
    public const string Unmanaged = "_unmanaged";

    public string Key => $"{Tenant}/{Cluster}/{Namespace}/{Name}";

    public static ServiceId Parse(string key)
    {
        var parts = key.Split('/');
        return parts.Length == 4 ? new ServiceId(parts[0], parts[1], parts[2], parts[3]) : throw new FormatException($"'{key}' is not tenant/cluster/namespace/service");
    }

    public override string ToString() => Key;
}

public static class ClusterKeys
{
    public static string Of(string tenant, string cluster) => $"{tenant}/{cluster}";
}

/// <summary>Settings a silo and its clients must agree on.</summary>
public static class FabricDefaults
{
    /// <summary>The Orleans cluster and service IDs: fixed, since Redis keys of grain state are made from the service ID.</summary>
    public const string FabricId = "driftfabric";

    /// <summary>How long a call may take before it fails: long enough for the first load of a large cluster.</summary>
    public static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The key of the one <see cref="IFleetGrain"/>.</summary>
    public const string FleetKey = "fleet";
}
