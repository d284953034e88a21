namespace DriftFabric.Grains;

/// <summary>
/// Whether grain state outlives the silos (Redis) or lives in their memory (the embedded
/// default). Writes a grain would make only for a later activation are pointless when the silo
/// that holds the state is shutting down with it.
/// </summary>
public sealed record GrainStateDurability(bool OutlivesSilos)
{
    public static readonly GrainStateDurability InMemory = new(false);

    public static readonly GrainStateDurability Durable = new(true);
}
