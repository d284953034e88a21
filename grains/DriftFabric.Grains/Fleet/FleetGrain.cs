using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Fleet;

[GenerateSerializer, Alias("driftfabric.FleetState")]
public sealed class FleetState
{
    [Id(0)]
    public List<string> Tenants { get; set; } = [];

    [Id(1)]
    public List<string> Webhooks { get; set; } = [];
}

/// <summary>The fleet's one grain: the tenant list, kept so clients can find every tenant.</summary>
[GrainType("driftfabric.fleet")]
public sealed class FleetGrain([PersistentState("fleet", StorageNames.Grains)] IPersistentState<FleetState> state) : Grain, IFleetGrain
{
    public async Task SetTenants(IReadOnlyList<string> tenants)
    {
        if (state.State.Tenants.SequenceEqual(tenants, StringComparer.Ordinal))
        {
            return;
        }

        state.State.Tenants = [.. tenants];
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> GetTenants() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Tenants]);

    public async Task<IReadOnlyList<string>> ReplaceWebhooks(IReadOnlyList<string> webhooks)
    {
        var removed = state.State.Webhooks.Except(webhooks, StringComparer.Ordinal).ToList();
        if (!state.State.Webhooks.SequenceEqual(webhooks, StringComparer.Ordinal))
        {
            state.State.Webhooks = [.. webhooks];
            await state.WriteStateAsync();
        }

        return removed;
    }
}
