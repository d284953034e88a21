using DriftFabric.Silo;
using DriftFabric.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

if (!SiloOptions.TryParse(args, out var options, out var error))
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(SiloOptions.Usage);
    return 1;
}

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

// Orleans' own watchdog warns once at start-up about a check "not completed" for as long as the
// machine has been up; it is not about this process.
builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
builder.Services.AddSingleton(options);
builder.UseOrleans(silo =>
{
    if (options.Redis is { } redis)
    {
        if (options.Address is { } address)
        {
            silo.ConfigureEndpoints(address, options.SiloPort, options.GatewayPort);
        }
        else
        {
            silo.ConfigureEndpoints(options.SiloPort, options.GatewayPort);
        }

        silo.AddDriftFabricRedis(redis);
    }
    else
    {
        silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort).AddDriftFabricEmbedded();
    }
});
builder.Services.AddHostedService<FleetConsole>();
builder.Services.AddSingleton(new WatchdogOptions(options.FleetPath, TimeSpan.FromSeconds(5)));
builder.Services.AddHostedService<FleetWatchdog>();

using var host = builder.Build();
await host.RunAsync();
return Environment.ExitCode;
