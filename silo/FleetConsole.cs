using System.Globalization;
using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;
using Microsoft.Extensions.Hosting;
using DriftFabric.Grains;
using DriftFabric.Silo.Api;

namespace DriftFabric.Silo;

/// <summary>
/// The embedded main job: once the silo is up, loads the fleet, prints a per-tenant and
/// per-cluster summary, then prints every drift transition as it happens until stopped.
/// </summary>
internal sealed class FleetConsole(
    SiloOptions options, FleetLoader loader, IClusterClient client, FabricHealth health, ApiTokens tokens, FleetReadiness readiness, IHostApplicationLifetime lifetime,
    Injection.IWebhookCertificate webhookCertificate, Injection.WebhookServing webhook) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await WhenStarted(stoppingToken);
        var address = options.ApiIPAddress();
        var api = $"http://{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address)}:{options.ApiPort}";
        Console.WriteLine(tokens.Generated is { } token ? $"api: {api} token: {token}" : $"api: {api} ({ConsoleText.Plural(tokens.Count, "token")} from configuration)");
        var webhookAddress = options.WebhookIPAddress();
        Console.WriteLine($"webhook: https://{(webhookAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{webhookAddress}]" : webhookAddress)}:{options.WebhookPort}{Injection.InjectEndpoint.Path} "
            + $"({webhookCertificate.Description}; the agent as a {(webhook.Sidecar.NativeSidecar ? "native sidecar" : "plain container")}{(webhook.Cluster is { } cluster ? $", cluster {cluster}" : string.Empty)})");
        health.Changed += e => Console.WriteLine(e.Healthy ? $"health: {e.Component} ok" : $"health: {e.Component} unhealthy: {e.Problem}");
        var result = await loader.LoadAsync(options.FleetPath(), stoppingToken);
        readiness.MarkLoaded();

        // The first load's transitions are the summary below; print only what happens after it.
        var printedUpTo = result.Tenants.ToDictionary(t => t.Tenant, t => t.LastSequence, StringComparer.Ordinal);
        Console.WriteLine($"DriftFabric {(options.RedisOrNull() is not { } redis ? "embedded silo" : "silo on Redis " + redis.Split(',')[0])}: fleet {Relative(result.Path)} ({ConsoleText.Plural(result.Tenants.Count, "tenant")}, "
            + $"{ConsoleText.Plural(result.Tenants.Sum(t => t.Clusters.Count), "cluster")})");
        foreach (var error in result.Errors)
        {
            Console.WriteLine($"  error {error}");
        }

        if (result.Tenants.Count == 0)
        {
            Console.WriteLine("No tenant to watch; fix the fleet spec and start again.");
            Environment.ExitCode = 1;
            lifetime.StopApplication();
            return;
        }

        Console.WriteLine();
        foreach (var tenant in result.Tenants)
        {
            await PrintTenant(tenant);
        }

        Console.WriteLine("Watching desired and live sources for changes; Ctrl+C stops.");

        // Tail each tenant's log from where the summary left off: resumes by itself after failures.
        await Task.WhenAll(result.Tenants.Select(tenant => Tail(tenant.Tenant, printedUpTo.GetValueOrDefault(tenant.Tenant), stoppingToken)));
    }

    private async Task Tail(string tenant, long after, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var e in client.ReadEventsAsync(tenant, after, cancellationToken: stoppingToken))
            {
                Console.WriteLine(ConsoleText.Event(e));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (DriftEventsTrimmedException e)
        {
            Console.WriteLine($"error {e.Message}");
        }
    }

    private async Task PrintTenant(TenantSummary tenant)
    {
        Console.WriteLine($"tenant {tenant.Tenant,-22} {ConsoleText.Counts(tenant.Summary)}");
        foreach (var cluster in tenant.Clusters)
        {
            var state = cluster.Status.State.ToString().ToLowerInvariant();
            Console.WriteLine($"  cluster {cluster.Cluster,-18} {state,-8} {ConsoleText.Counts(cluster.Summary)}");
            foreach (var error in cluster.Status.Errors)
            {
                Console.WriteLine($"      error {error}");
            }

            var services = await client.GetGrain<IClusterGrain>(ClusterKeys.Of(tenant.Tenant, cluster.Cluster)).GetServices();
            foreach (var service in services.Where(s => s.Summary.Drifts > 0))
            {
                var name = $"{service.Service.Namespace}/{service.Service.Name}";
                Console.WriteLine($"    {name,-30} {ConsoleText.Worst(service.Summary),-8} {ConsoleText.Plural(service.Summary.Drifts, "drift")}");
            }
        }

        Console.WriteLine();
    }

    private Task WhenStarted(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        return started.Task;
    }

    private static string Relative(string path)
    {
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }
}

/// <summary>Plain-text renderings for the console.</summary>
internal static class ConsoleText
{
    public static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    public static string Worst(DriftSummary summary) => summary.Worst?.ToString().ToLowerInvariant() ?? "in sync";

    public static string Counts(DriftSummary s) =>
        $"{Plural(s.Resources, "resource"),-14} {s.DriftedResources,4} drifted  "
        + $"critical {s.Critical,-3} high {s.High,-3} medium {s.Medium,-3} low {s.Low}";

    public static string Event(DriftEvent e)
    {
        var d = e.Drift;
        var at = e.At.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        var path = d.Path.Length == 0 ? "(whole resource)" : d.Path;
        var change = DriftText.Change(d, e.Type, value => value ?? "(absent)", e.Remediation);
        var who = d.Manager is null || e.Remediation is not null ? string.Empty : $" by {d.Manager}";
        return $"{at} #{e.Sequence} {e.Tenant}/{e.Service.Cluster} {e.Type.ToString().ToLowerInvariant(),-10} {d.Severity.ToString().ToLowerInvariant(),-8} "
            + $"{d.Kind,-9} {d.Resource} {path}: {DriftText.Shorten(change, 160)}{who}";
    }
}
