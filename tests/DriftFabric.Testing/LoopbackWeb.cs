using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Testing;

/// <summary>A real Kestrel server on loopback, on a port the OS picks unless one is given, for the servers tests stand up.</summary>
public static class LoopbackWeb
{
    /// <summary>Starts an app with the routes <paramref name="map"/> adds; returns it with the address it listens on (ending in <c>/</c>).</summary>
    public static async Task<(WebApplication App, Uri BaseUri)> StartAsync(Action<WebApplication> map, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address.TrimEnd('/') + "/"));
    }
}
