using DriftFabric.Grains.Fleet;
using DriftFabric.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DriftFabric.Client.Tests;

/// <summary><c>AddDriftFabricClient</c> in an application's host, connecting over TCP to an embedded silo's gateway.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public async Task A_host_with_AddDriftFabricClient_reaches_an_embedded_silo_through_its_gateway()
    {
        using var fleet = TempFleet.FromExamples();
        int siloPort = LoopbackPorts.Free(), gatewayPort = LoopbackPorts.Free();
        var siloBuilder = Host.CreateApplicationBuilder();
        siloBuilder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort, gatewayPort).AddDriftFabricEmbedded());
        using var silo = siloBuilder.Build();
        await silo.StartAsync();
        try
        {
            await silo.Services.GetRequiredService<FleetLoader>().LoadAsync(fleet.SpecPath);

            var appBuilder = Host.CreateApplicationBuilder();
            appBuilder.Services.AddDriftFabricClient(o => o.GatewayPort = gatewayPort);
            using var app = appBuilder.Build();
            await app.StartAsync();
            try
            {
                var drift = app.Services.GetRequiredService<IDriftClient>();
                var fleetSummary = await drift.GetFleetAsync();

                Assert.Equal(["acme", "globex"], fleetSummary.Tenants.Select(t => t.Tenant));
                Assert.Equal(37, fleetSummary.Total.Resources);
            }
            finally
            {
                await app.StopAsync();
            }
        }
        finally
        {
            await silo.StopAsync();
        }
    }
}
