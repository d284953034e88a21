using System.Text;
using DriftFabric.Abstractions;

namespace DriftFabric.Grains.Tests.Services;

/// <summary>
/// A service judges desired against live only when it holds both: a service new to the code, or
/// one whose stored state was lost with a silo, asks for its whole state instead of reporting
/// everything missing or unmanaged.
/// </summary>
[Collection(FabricTests.Name)]
public sealed class IncompleteStateTests(FabricFixture fabric)
{
    private const string Key = "apps/Deployment/shop/web";

    private static ResourceDocument Live(int replicas) =>
        new(Key, Encoding.UTF8.GetBytes(Objects.Deployment("web", "shop", replicas, "web:1")), null, 0);

    private static ResourceDocument Desired() => new(Key, Encoding.UTF8.GetBytes("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},
         "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"web","image":"web:1"}]}}}}
        """), "desired/app.yaml", 1);

    [Fact]
    public async Task A_service_without_its_desired_state_judges_no_watched_change_and_asks_for_everything()
    {
        var service = fabric.Client.GetGrain<IServiceGrain>("incomplete-watch/prod/shop/web");

        var answer = await service.ApplyLive([new LiveDocumentChange(Key, Live(9))]);

        Assert.Null(answer);
        Assert.Empty(await service.GetDrifts());
        Assert.Empty(await service.GetHistory());
        Assert.Equal(new ServiceUpdateCounts(0, 0), await service.GetUpdateCounts());
    }

    [Fact]
    public async Task A_service_takes_one_part_only_once_it_holds_both()
    {
        var service = fabric.Client.GetGrain<IServiceGrain>("incomplete-parts/prod/shop/web");

        Assert.Null(await service.Update(new ServiceUpdate(null, null, [Live(9)])));
        Assert.Null(await service.Update(new ServiceUpdate([Desired()], PolicySource.Default, null)));
        Assert.Empty(await service.GetDrifts());

        var whole = await service.Update(new ServiceUpdate([Desired()], PolicySource.Default, [Live(9)]));
        var drift = Assert.Single(await service.GetDrifts());
        var watched = await service.ApplyLive([new LiveDocumentChange(Key, Live(2))]);

        Assert.Equal(1, whole?.Drifts);
        Assert.Equal(("/spec/replicas", "9"), (drift.Path, drift.Live));
        Assert.Equal(0, watched?.Drifts);
        Assert.Empty(await service.GetDrifts());
    }
}
