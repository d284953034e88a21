namespace DriftFabric.Grains;

/// <summary>Names of the grain storage providers the fabric needs.</summary>
public static class StorageNames
{
    /// <summary>Grain state of tenants, clusters and services.</summary>
    public const string Grains = "driftfabric";
}
