using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace DriftFabric.Grains.Tests.Storage;

/// <summary>
/// Grain state that another activation of the same grain wrote (a duplicate activation) is never
/// overwritten: the activation that finds it stands down. Storage that lost the record is written again.
/// </summary>
[Collection(FabricTests.Name)]
public sealed class DuplicateActivationTests(FabricFixture fabric)
{
    private IGrainStorage Storage => fabric.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Grains);

    private static GrainId FleetId(string key) => GrainId.Create("driftfabric.fleet", key);

    private async Task<GrainState<FleetState>> StoredAsync(string key)
    {
        var stored = new GrainState<FleetState>(new FleetState());
        await Storage.ReadStateAsync("fleet", FleetId(key), stored);
        return stored;
    }

    [Fact]
    public async Task State_written_by_another_activation_is_kept_and_the_activation_that_finds_it_stands_down()
    {
        const string Key = "duplicate-activation";
        var fleet = fabric.Client.GetGrain<IFleetGrain>(Key);
        await fleet.SetTenants(["acme"]);

        // Another activation of the same grain writes the state behind this one's back.
        var other = await StoredAsync(Key);
        other.State!.Tenants = ["written-elsewhere"];
        await Storage.WriteStateAsync("fleet", FleetId(Key), other);

        var error = await Assert.ThrowsAsync<DuplicateActivationException>(() => fleet.SetTenants(["globex"]));
        Assert.Contains("another activation", error.Message, StringComparison.Ordinal);
        Assert.Equal(["written-elsewhere"], (await StoredAsync(Key)).State!.Tenants);

        // The next call finds an activation that read what the other one stored.
        Assert.Equal(["written-elsewhere"], await Eventually.ReachAsync(fleet.GetTenants, t => t.SequenceEqual(["written-elsewhere"])));
        await fleet.SetTenants(["globex"]);
        Assert.Equal(["globex"], (await StoredAsync(Key)).State!.Tenants);
    }

    [Fact]
    public async Task State_whose_record_storage_lost_is_written_again()
    {
        const string Key = "storage-reset";
        var fleet = fabric.Client.GetGrain<IFleetGrain>(Key);
        await fleet.SetTenants(["acme"]);

        await Storage.ClearStateAsync("fleet", FleetId(Key), await StoredAsync(Key));
        await fleet.SetTenants(["acme", "globex"]);

        Assert.Equal(["acme", "globex"], (await StoredAsync(Key)).State!.Tenants);
    }
}
