using System.Security.Cryptography;
using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Client;
using DriftFabric.Engine.Comparison;
using DriftFabric.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Silo.Tests;

/// <summary>
/// Secret digests in real silo processes: keyed with the installation key (<c>hmac:</c>, never the
/// plain SHA-256 anyone could confirm a guess with), the same key on every silo of a fabric and
/// after a restart, and the key itself in no line a silo writes (logged at Information here).
/// </summary>
public sealed class SecretDigestTests : IDisposable
{
    private const string Tenant = "digests";
    private const string Service = "digests/prod/shop/db";

    private static readonly Dictionary<string, string> Verbose = new() { ["Logging__LogLevel__Default"] = "Information" };

    private readonly TempFleet _fleet = new();
    private readonly TempDirectory _data = new("driftfabric-data-");

    public SecretDigestTests()
    {
        _fleet.Write("desired/db.yaml", """
            apiVersion: v1
            kind: Secret
            metadata: {name: db, namespace: shop, labels: {app.kubernetes.io/name: db}}
            type: Opaque
            stringData: {password: in-the-code}
            """);
        Rotate("rotated-1");
        _fleet.Write("driftfabric.yaml", $"""
            apiVersion: driftfabric.io/v1alpha1
            kind: Fleet
            tenants:
            - name: {Tenant}
              clusters:
              - name: prod
                desired: desired
                live: {"{"} snapshot: live.json {"}"}
                pollInterval: 500ms
            """);
    }

    public void Dispose()
    {
        _fleet.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task An_embedded_silo_generates_its_key_once_in_its_data_directory_reuses_it_after_a_restart_and_never_logs_it()
    {
        var environment = new Dictionary<string, string>(Verbose) { ["DRIFTFABRIC__SECRETDIGEST__DATADIRECTORY"] = _data.Root };
        var keyFile = _data.PathOf("secret-digest.key");
        string key;
        var outputs = new List<IReadOnlyList<string>>();

        await using (var silo = SiloProcess.Start(environment, "--fleet", _fleet.SpecPath))
        {
            await silo.WaitForLineAsync("Watching desired and live sources");
            key = (await File.ReadAllTextAsync(keyFile)).Trim();
            Rotate("rotated-2");

            var changed = await silo.WaitForLineAsync("/data/password");

            Assert.Contains($"\"{Hmac(key, "rotated-2")}\"", changed, StringComparison.Ordinal);
            Assert.DoesNotContain("sha256:", changed, StringComparison.Ordinal);
            Assert.Contains(silo.Seen, l => l.Contains("Generated the installation key", StringComparison.Ordinal));
            Assert.Equal(0, await silo.InterruptAsync());
            outputs.Add(silo.Output);
        }

        await using (var again = SiloProcess.Start(environment, "--fleet", _fleet.SpecPath))
        {
            await again.WaitForLineAsync("Watching desired and live sources");
            Rotate("rotated-3");

            var changed = await again.WaitForLineAsync("/data/password");

            Assert.Contains($"\"{Hmac(key, "rotated-3")}\"", changed, StringComparison.Ordinal);
            Assert.Equal(key, (await File.ReadAllTextAsync(keyFile)).Trim());
            Assert.DoesNotContain(again.Seen, l => l.Contains("Generated the installation key", StringComparison.Ordinal));
            Assert.Contains(again.Seen, l => l.Contains($"installation key {KeyId(key)} from {keyFile}", StringComparison.Ordinal));
            Assert.Equal(0, await again.InterruptAsync());
            outputs.Add(again.Output);
        }

        // A configured key is used instead of the kept one, and is no more logged than the generated one.
        const string Configured = "a-configured-installation-key-for-the-silo";
        environment["DRIFTFABRIC__SECRETDIGEST__KEY"] = Configured;
        await using (var configured = SiloProcess.Start(environment, "--fleet", _fleet.SpecPath))
        {
            await configured.WaitForLineAsync("Watching desired and live sources");
            Rotate("rotated-4");

            var changed = await configured.WaitForLineAsync("/data/password");

            Assert.Contains($"\"{Hmac(Configured, "rotated-4")}\"", changed, StringComparison.Ordinal);
            Assert.Equal(0, await configured.InterruptAsync());
            outputs.Add(configured.Output);
        }

        Assert.All(outputs.SelectMany(o => o), line =>
        {
            Assert.DoesNotContain(key, line, StringComparison.Ordinal);
            Assert.DoesNotContain(Configured, line, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_key_too_short_stops_the_silo_at_start_naming_the_setting_and_not_the_key()
    {
        var environment = new Dictionary<string, string>(Verbose) { ["DRIFTFABRIC__SECRETDIGEST__KEY"] = "hunter2-short" };
        await using var silo = SiloProcess.Start(environment, "--fleet", _fleet.SpecPath);

        var error = await silo.WaitForLineAsync("secret digest:");

        Assert.Contains("DriftFabric:SecretDigest:Key: the key must be at least 16 bytes", error, StringComparison.Ordinal);
        Assert.Equal(1, await silo.ExitCodeAsync());
        Assert.DoesNotContain(silo.Output, l => l.Contains("hunter2-short", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Silos_on_one_redis_share_one_generated_key_so_digests_agree_across_silos_and_restarts()
    {
        await using var redis = await RedisServer.StartAsync();
        var silos = new List<SiloProcess>();
        IHost? clientHost = null;
        try
        {
            silos.AddRange(await Task.WhenAll(StartAsync(redis), StartAsync(redis)));
            clientHost = await ClientAsync(redis);
            var key = await redis.CommandAsync("GET", DriftFabricHostingExtensions.DigestKeyRedisKey);
            var client = clientHost.Services.GetRequiredService<IClusterClient>();
            await ShowsAsync(client, Hmac(key, "rotated-1"));

            // The silo the cluster is judged on stops: the other one judges it now, under the same key.
            var host = await HostAsync(client, silos);
            var other = silos.Single(s => s != host);
            Assert.Equal(0, await host.InterruptAsync());
            Rotate("rotated-2");
            await ShowsAsync(client, Hmac(key, "rotated-2"));

            // A silo started afresh takes over from the last one: it reads the key, it does not make one.
            var restarted = await StartAsync(redis);
            silos.Add(restarted);
            Assert.Equal(0, await other.InterruptAsync());
            Rotate("rotated-3");
            await ShowsAsync(client, Hmac(key, "rotated-3"));
            await restarted.WaitForLineAsync($"\"{Hmac(key, "rotated-3")}\"");

            Assert.Single(silos, s => s.Output.Any(l => l.Contains("Generated the installation key", StringComparison.Ordinal)));
            Assert.All(silos, s => Assert.Contains(s.Output, l => l.Contains($"installation key {KeyId(key)} from redis key", StringComparison.Ordinal)));
            Assert.All(silos.SelectMany(s => s.Output), line => Assert.DoesNotContain(key, line, StringComparison.Ordinal));
            Assert.DoesNotContain(silos.SelectMany(s => s.Output), l => l.Contains("sha256:", StringComparison.Ordinal));
        }
        finally
        {
            if (clientHost is not null)
            {
                await clientHost.StopAsync(TimeSpan.FromSeconds(5));
                clientHost.Dispose();
            }

            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private void Rotate(string password) => _fleet.Write("live.json", Objects.List(Objects.Secret("db", "shop", "db", password)));

    private async Task<SiloProcess> StartAsync(RedisServer redis)
    {
        var silo = SiloProcess.Start(Verbose, "--fleet", _fleet.SpecPath, "--redis", redis.Endpoint, "--address", "127.0.0.1");
        await silo.WaitForLineAsync("Watching desired and live sources");
        return silo;
    }

    private static async Task<IHost> ClientAsync(RedisServer redis)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client => client.AddDriftFabricRedisClient(redis.Endpoint));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Waits until the service's drift on the password shows <paramref name="digest"/> as its live value.</summary>
    private static Task ShowsAsync(IClusterClient client, string digest) =>
        FabricRig.EventuallyAsync(
            async () => (await LivePasswordAsync(client)) == $"\"{digest}\"",
            async () => $"the drift on /data/password shows {await LivePasswordAsync(client)}, not \"{digest}\"");

    private static async Task<string?> LivePasswordAsync(IClusterClient client)
    {
        try
        {
            return (await client.GetGrain<IServiceGrain>(Service).GetDrifts()).SingleOrDefault(d => d.Path == "/data/password")?.Live;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return e.GetType().Name;
        }
    }

    private static async Task<SiloProcess> HostAsync(IClusterClient client, List<SiloProcess> silos)
    {
        var address = await client.GetGrain<IClusterGrain>($"{Tenant}/prod").GetSilo();
        return silos.Single(s =>
        {
            var port = string.Create(System.Globalization.CultureInfo.InvariantCulture, $":{s.SiloPort}");
            return address.Contains(port + "@", StringComparison.Ordinal) || address.Contains(port + ":", StringComparison.Ordinal);
        });
    }

    private static string Hmac(string key, string value) =>
        "hmac:" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value)))[..8];

    private static string KeyId(string key) => SecretDigest.Hmac(Encoding.UTF8.GetBytes(key)).KeyId;
}
