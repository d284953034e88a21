using System.Net;
using System.Security.Cryptography.X509Certificates;
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
    /// <param name="certificate">Serve HTTPS with this certificate (its private key included) instead of plain HTTP.</param>
    public static async Task<(WebApplication App, Uri BaseUri)> StartAsync(Action<WebApplication> map, int port = 0, X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address.TrimEnd('/') + "/"));
    }
}
