using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using DriftFabric.Testing;

namespace DriftFabric.Benchmarks;

/// <summary>
/// <c>abuse [--sse N] [--inputs N] [--input-mb N] [--settle S]</c>: a real silo process on a
/// redis-server (the example fleet) is abused the way a fault run abuses it: N Server-Sent-Events
/// connections opened and dropped (rounds of 200 open at once), then N bad inputs of the given
/// size, one after the other (a desired YAML file and a live snapshot, in turn, each read by the
/// silo's poll, then the source restored). Prints one JSON line last with the silo's resident
/// memory (<c>VmRSS</c>) after start, before the abuse, at its peak and after a settle period.
/// </summary>
public static class AbuseBenchmark
{
    private const string Tenant = "acme";
    private const string Cluster = "prod-eu";
    private const int ConnectionsPerRound = 200;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync(int sseCycles, int inputs, int inputMegabytes, int settleSeconds)
    {
        using var fleet = TempFleet.FromExamples();
        await using var redis = await RedisServer.StartAsync();
        // DRIFTFABRIC_BENCH_SILO_ENV="NAME=VALUE;..." passes settings to the silo (GC or allocator settings to compare).
        var environment = (Environment.GetEnvironmentVariable("DRIFTFABRIC_BENCH_SILO_ENV") ?? string.Empty)
            .Split(';', StringSplitOptions.RemoveEmptyEntries).Select(e => e.Split('=', 2)).ToDictionary(e => e[0], e => e[1]);
        await using var silo = SiloProcess.Start(environment, "--fleet", fleet.SpecPath, "--redis", redis.Endpoint, "--address", "127.0.0.1");
        var tokenLine = await silo.WaitForLineAsync(" token: ");
        var token = tokenLine[(tokenLine.LastIndexOf(' ') + 1)..];
        await silo.WaitForLineAsync("Watching desired and live sources");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = silo.ApiUri, Timeout = Patience };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var settle = TimeSpan.FromSeconds(settleSeconds);
        var started = Rss(silo.Id);

        // The baseline is a silo that has served each kind of request once (an event stream, a
        // bad desired file, a bad snapshot, 1 MB each): what is made once per process (code
        // compiled, types loaded, the first buffers) is in it; what the abuse leaves behind is not.
        await SseRoundAsync(http, 2);
        await BadInputAsync(fleet, http, desired: true, megabytes: 1);
        await BadInputAsync(fleet, http, desired: false, megabytes: 1);
        await Task.Delay(settle);
        var before = Rss(silo.Id);
        Console.Error.WriteLine($"rss {Mb(started)} MiB at start, {Mb(before)} MiB after one request of each kind and {settleSeconds} s; {Rollup(silo.Id)}");
        SaveMemoryMaps(silo.Id, "before");
        using var sampler = new PeakSampler(() => Rss(silo.Id));

        var sse = Stopwatch.StartNew();
        var streamed = 0;
        for (var done = 0; done < sseCycles; done += ConnectionsPerRound)
        {
            streamed += await SseRoundAsync(http, Math.Min(ConnectionsPerRound, sseCycles - done));
            Console.Error.WriteLine($"sse: {done + Math.Min(ConnectionsPerRound, sseCycles - done)} connections opened and dropped; rss {Mb(Rss(silo.Id))} MiB");
        }

        sse.Stop();
        var afterSse = Rss(silo.Id);

        var bad = Stopwatch.StartNew();
        for (var i = 0; i < inputs; i++)
        {
            var desired = i % 2 == 0;
            await BadInputAsync(fleet, http, desired, inputMegabytes);
            Console.Error.WriteLine($"input {i + 1}: a {inputMegabytes} MB {(desired ? "desired YAML" : "live snapshot")} read and refused, source restored; rss {Mb(Rss(silo.Id))} MiB");
        }

        bad.Stop();
        var peak = sampler.Stop();
        await Task.Delay(settle);
        var after = Rss(silo.Id);
        Console.Error.WriteLine($"after: {Rollup(silo.Id)}");
        SaveMemoryMaps(silo.Id, "after");
        var ok = after <= before * 1.25 && !silo.HasExited;
        foreach (var line in silo.Output.Where(l => l.StartsWith("info:", StringComparison.Ordinal) || l.StartsWith("warn:", StringComparison.Ordinal) || l.StartsWith("fail:", StringComparison.Ordinal)).Take(50))
        {
            Console.Error.WriteLine($"silo: {(line.Length > 300 ? line[..300] : line)}");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"abuse\",\"sse_connections\":{sseCycles},\"sse_replayed\":{streamed},\"bad_inputs\":{inputs},\"input_mb\":{inputMegabytes},\"settle_s\":{settleSeconds},"
            + $"\"rss_started_mb\":{Mb(started)},\"rss_before_mb\":{Mb(before)},\"rss_after_sse_mb\":{Mb(afterSse)},\"rss_peak_mb\":{Mb(Math.Max(peak, afterSse))},\"rss_after_mb\":{Mb(after)},"
            + $"\"after_over_before\":{(double)after / before:0.00},\"sse_s\":{sse.Elapsed.TotalSeconds:0.0},\"inputs_s\":{bad.Elapsed.TotalSeconds:0.0},\"within_25_percent\":{(ok ? "true" : "false")}}}"));
        return ok ? 0 : 1;
    }

    /// <summary>A memory dump of the silo (with dotnet-dump, when installed), to see where what it keeps is.</summary>
    private static void Dump(int pid, string path)
    {
        var tool = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-dump");
        if (File.Exists(tool))
        {
            using var dump = System.Diagnostics.Process.Start(tool, ["collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", path, "--type", "Full"]);
            dump.WaitForExit();
        }
    }

    /// <summary>Where the silo's resident memory is (<c>/proc/PID/smaps_rollup</c>: anonymous against file-backed), for the log.</summary>
    private static string Rollup(int pid)
    {
        try
        {
            return string.Join(", ", File.ReadAllLines($"/proc/{pid}/smaps_rollup")
                .Concat(File.ReadAllLines($"/proc/{pid}/status").Where(l => l.StartsWith("Threads:", StringComparison.Ordinal)))
                .Where(l => l.StartsWith("Threads:", StringComparison.Ordinal) || l.StartsWith("Rss:", StringComparison.Ordinal) || l.StartsWith("Anonymous:", StringComparison.Ordinal) || l.StartsWith("Private_Dirty:", StringComparison.Ordinal) || l.StartsWith("Shared_Clean:", StringComparison.Ordinal) || l.StartsWith("Private_Clean:", StringComparison.Ordinal))
                .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
        }
        catch (IOException)
        {
            return "no smaps_rollup";
        }
    }

    /// <summary>
    /// Opens <paramref name="count"/> event streams at once (half tailing from now, half replaying
    /// the log from its start), reads each one's first bytes, then drops them all. Returns how many
    /// replayed at least one event.
    /// </summary>
    private static async Task<int> SseRoundAsync(HttpClient http, int count)
    {
        var open = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/tenants/{Tenant}/events" + (i % 2 == 0 ? string.Empty : "?after=0"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"event stream answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            var stream = await response.Content.ReadAsStreamAsync();
            var replayed = false;
            if (i % 2 == 1)
            {
                var buffer = new byte[256];
                replayed = await stream.ReadAsync(buffer) > 0;
            }

            return (response, stream, replayed);
        }));

        foreach (var (response, stream, _) in open)
        {
            await stream.DisposeAsync();
            response.Dispose();
        }

        return open.Count(o => o.replayed);
    }

    /// <summary>
    /// Puts one bad input of <paramref name="megabytes"/> MB into the cluster's sources: a desired
    /// YAML file of many ConfigMaps whose last document does not parse, or a live snapshot cut off
    /// before its end (a half-written <c>kubectl get -o json</c>). Waits until the silo has read it
    /// (the cluster is degraded), restores the source, and waits until the cluster is ok again.
    /// </summary>
    private static async Task BadInputAsync(TempFleet fleet, HttpClient http, bool desired, int megabytes)
    {
        var snapshot = Path.Combine(fleet.Root, Tenant, Cluster, "live.json");
        var extra = Path.Combine(fleet.Root, Tenant, Cluster, "desired", "zz-abuse.yaml");
        var original = await File.ReadAllBytesAsync(snapshot);
        var target = desired ? extra : snapshot;
        var temporary = Path.Combine(fleet.Root, "abuse.tmp");
        await using (var file = File.Create(temporary))
        {
            if (desired)
            {
                WriteBadYaml(file, megabytes);
            }
            else
            {
                WriteBadJson(file, megabytes);
            }
        }

        // Renamed into place: the silo reads the whole bad file, never one half-written by this benchmark.
        File.Move(temporary, target, overwrite: true);
        await ClusterStateAsync(http, "degraded");
        if (desired)
        {
            File.Delete(extra);
        }
        else
        {
            await File.WriteAllBytesAsync(temporary, original);
            File.Move(temporary, snapshot, overwrite: true);
        }

        await ClusterStateAsync(http, "ok");
    }

    private static void WriteBadYaml(Stream file, int megabytes)
    {
        using var writer = new StreamWriter(file, new UTF8Encoding(false), 1 << 16);
        var value = new string('x', 1000);
        for (var i = 0; writer.BaseStream.Position < megabytes * 1_000_000L; i++)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: abuse-{i}\n  namespace: shop\ndata:\n"));
            for (var k = 0; k < 8; k++)
            {
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"  key-{k}: \"{value}\"\n"));
            }

            writer.Write("---\n");
            writer.Flush();
        }

        writer.Write("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: [unclosed\n");
    }

    private static void WriteBadJson(Stream file, int megabytes)
    {
        using var writer = new StreamWriter(file, new UTF8Encoding(false), 1 << 16);
        writer.Write("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[");
        var value = new string('x', 1000);
        for (var i = 0; writer.BaseStream.Position < megabytes * 1_000_000L; i++)
        {
            writer.Write(i == 0 ? string.Empty : ",");
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"abuse-{i}\",\"namespace\":\"shop\"}},\"data\":{{"));
            for (var k = 0; k < 8; k++)
            {
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"{(k == 0 ? string.Empty : ",")}\"key-{k}\":\"{value}\""));
            }

            writer.Write("}}");
            writer.Flush();
        }

        // Cut off mid-object, as a snapshot being written is.
        writer.Write(",{\"apiVersion\":\"v1\",\"kind\":\"Conf");
    }

    private static async Task ClusterStateAsync(HttpClient http, string state)
    {
        var deadline = DateTime.UtcNow + Patience;
        var seen = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            var body = JsonNode.Parse(await http.GetStringAsync($"api/v1/tenants/{Tenant}/clusters/{Cluster}"))!;
            seen = (string?)body["summary"]?["status"]?["state"] ?? body.ToJsonString();
            if (seen == state)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"cluster {Tenant}/{Cluster} did not become {state} within {Patience} (it is {seen})");
    }

    /// <summary>The process's resident set (<c>VmRSS</c> of /proc/PID/status), in bytes.</summary>
    private static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"no VmRSS for process {pid}");
    }

    private static long Mb(long bytes) => bytes / (1024 * 1024);

    /// <summary>With <c>DRIFTFABRIC_BENCH_SMAPS=PREFIX</c>: the silo's memory maps and a dump, as PREFIX.<paramref name="when"/> and PREFIX.<paramref name="when"/>.dmp.</summary>
    private static void SaveMemoryMaps(int pid, string when)
    {
        if (Environment.GetEnvironmentVariable("DRIFTFABRIC_BENCH_SMAPS") is { Length: > 0 } prefix)
        {
            File.Copy($"/proc/{pid}/smaps", $"{prefix}.{when}", overwrite: true);
            Dump(pid, $"{prefix}.{when}.dmp");
        }
    }
}
