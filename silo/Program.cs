using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using DriftFabric.Client;
using DriftFabric.Silo;
using DriftFabric.Silo.Api;
using DriftFabric.Silo.Hosting;
using DriftFabric.Silo.Injection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Hosting.Kubernetes;

if (SiloOptions.CheckArguments(args) is { } wrong)
{
    Console.Error.WriteLine(wrong);
    Console.Error.WriteLine(SiloOptions.Usage);
    return 1;
}

// Settings (SiloOptions, section DriftFabric) come from appsettings files, the environment
// (DRIFTFABRIC__...) and the command line, each overriding the one before; they are checked
// before anything starts.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddCommandLine(args, SiloOptions.Switches.ToDictionary());
if (SiloOptions.Read(builder.Configuration, out var error) is not { } options)
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(SiloOptions.Usage);
    return 1;
}

builder.Logging.ClearProviders();
builder.Logging.AddConsoleWithoutHandledConflicts(o => o.SingleLine = true);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

// Orleans' own watchdog warns once at start-up about a check "not completed" for as long as the
// machine has been up; it is not about this process.
builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);

// Authentication brings ASP.NET's data protection, which warns that its keys are not encrypted
// at rest; bearer tokens never use it.
builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);

// A start that fails (the API's port taken) is said in one line below, not as a logged stack trace.
builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);

ApiTokens tokens;
try
{
    tokens = ApiTokens.From(builder.Configuration);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"api: {e.Message}");
    return 1;
}

// The sidecar injector: its agent from the settings and the fleet, its certificate from files or generated now.
if (InjectEndpoint.Sidecar(options.Webhook, DriftFabric.Sources.Fleet.FleetSpecReader.Load(options.FleetPath()), out var webhookError, out var webhookCluster) is not { } sidecar)
{
    Console.Error.WriteLine(webhookError);
    return 1;
}

builder.Services.AddSingleton(new PodInjector(sidecar));
builder.Services.AddSingleton(new WebhookServing(sidecar, webhookCluster));
if (options.Webhook.HasCertificateFiles())
{
    builder.Services.AddSingleton<IWebhookCertificate>(sp => new WebhookCertificateFiles(options.Webhook.CertFile!, options.Webhook.KeyFile!, sp.GetRequiredService<ILogger<WebhookCertificateFiles>>()));
}
else
{
    try
    {
        builder.Services.AddSingleton<IWebhookCertificate>(GeneratedWebhookCertificate.Create(options.Webhook.CaPath(options.WebhookPort), TimeProvider.System));
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"webhook: cannot write the generated certificate's CA to {options.Webhook.CaPath(options.WebhookPort)}: {e.Message} (DRIFTFABRIC__WEBHOOK__CAFILE)");
        return 1;
    }
}

builder.Services.AddSingleton(options);
builder.UseOrleans(silo =>
{
    if (options.RedisOrNull() is { } redis)
    {
        if (options.AdvertisedAddress() is { } address)
        {
            silo.ConfigureEndpoints(address, options.SiloPort, options.GatewayPort);
        }
        else if (options.KubernetesHosting)
        {
            // The pod's IP (POD_IP, checked above), on every address of the pod. Orleans' Kubernetes
            // hosting would take it only where nothing else set the address, and Orleans' defaults
            // set it first: to an address of the host's, not necessarily the pod's.
            var podIP = IPAddress.Parse(Environment.GetEnvironmentVariable(KubernetesHostingOptions.PodIPEnvironmentVariable)!);
            silo.ConfigureEndpoints(podIP, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
        }
        else
        {
            silo.ConfigureEndpoints(options.SiloPort, options.GatewayPort);
        }

        silo.AddDriftFabricRedis(redis);
        if (options.KubernetesHosting)
        {
            silo.UseDriftFabricKubernetesHosting();
        }
    }
    else
    {
        silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort).AddDriftFabricEmbedded();
    }
});
builder.Services.AddHostedService<FleetConsole>();
builder.Services.AddSingleton(new WatchdogOptions(options.FleetPath(), TimeSpan.FromSeconds(5)));
builder.Services.AddHostedService<FleetWatchdog>();
builder.Services.AddSingleton(HeapReclaimOptions.Default);
builder.Services.AddHostedService<HeapReclaimer>();

// The HTTP API: on loopback unless --api-address says otherwise. The webhook: HTTPS only, on a port of its own.
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(options.ApiIPAddress(), options.ApiPort);
    var certificate = kestrel.ApplicationServices.GetRequiredService<IWebhookCertificate>();
    kestrel.Listen(options.WebhookIPAddress(), options.WebhookPort, listen => listen.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions
    {
        // Asked at each handshake: a certificate rotated on disk is served from the next connection on.
        ServerCertificateSelector = (_, _) => certificate.Current(),
    }));
});
builder.Services.AddSingleton(tokens);
builder.Services.AddSingleton<FleetReadiness>();
builder.Services.AddDriftFabricHealthChecks();
builder.Services.AddSingleton<IDriftClient>(sp => new DriftClient(sp.GetRequiredService<IGrainFactory>()));
builder.Services.AddAuthentication(ApiTokenHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(ApiTokenHandler.SchemeName, null);
builder.Services.AddAuthorization();
builder.Services.ConfigureHttpJsonOptions(o => DriftFabric.Abstractions.FabricJson.Configure(o.SerializerOptions));
builder.Services.AddDriftFabricProblemDetails();
builder.Services.AddOpenApi();
builder.Services.AddDriftFabricTelemetry(builder.Configuration);

await using var app = builder.Build();
app.MapSidecarInjector(options.WebhookPort);
app.UseDriftFabricProblemDetails();
app.UseAuthentication();
app.UseAuthorization();
app.MapOpenApi().AllowAnonymous();
app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
app.MapDriftFabricHealth();
app.MapDriftFabricApi();
app.MapGitHook();

try
{
    await app.StartAsync();
}
catch (Exception e) when (e is DriftFabric.Grains.Secrets.SecretDigestException
    || (e is Microsoft.Extensions.Options.OptionsValidationException invalid && invalid.OptionsType == typeof(DriftFabric.Grains.Secrets.SecretDigestOptions)))
{
    // The installation key of Secret digests is read before the silo joins: without it, it never starts.
    Console.Error.WriteLine($"secret digest: {e.Message}");
    return 1;
}
catch (Microsoft.Extensions.Options.OptionsValidationException e) when (e.OptionsType == typeof(DriftFabric.Sources.Kubernetes.KubernetesOptions))
{
    Console.Error.WriteLine($"kubernetes: {e.Message} (DRIFTFABRIC__KUBERNETES__SERVICEACCOUNTDIRECTORY)");
    return 1;
}
catch (IOException e) when (e.Message.Contains($":{options.WebhookPort}", StringComparison.Ordinal))
{
    Console.Error.WriteLine($"webhook: cannot listen on {options.WebhookIPAddress()}:{options.WebhookPort}: {e.Message} (choose another with --webhook-port or DRIFTFABRIC__WEBHOOKPORT)");
    await app.StopAsync();
    return 1;
}
catch (IOException e)
{
    // Kestrel starts last: the silo is up, and stops cleanly before the process says why and exits.
    Console.Error.WriteLine($"api: cannot listen on {options.ApiAddress}:{options.ApiPort}: {e.Message} (choose another with --api-port or DRIFTFABRIC__APIPORT)");
    await app.StopAsync();
    return 1;
}

await app.WaitForShutdownAsync();
return Environment.ExitCode;
