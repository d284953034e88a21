using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace DriftFabric.Deploy.Tests;

/// <summary>
/// The silo's container image, built from <c>deploy/Dockerfile</c> with podman (see
/// <see cref="ContainerImageFixture"/>) and run as a cluster would run it: read-only root, its own
/// non-root uid, the fleet spec mounted read-only, on a real Redis, watching a simulated API server
/// (<see cref="KubeApiServer"/>) with desired state from a Kustomize layout and from a Git daemon.
/// </summary>
public sealed class ContainerImageTests(ContainerImageFixture image, ITestOutputHelper output) : IClassFixture<ContainerImageFixture>
{
    private const string Token = "container-test-token-0123456789";
    private const int AppUid = 1654;

    [Fact]
    public async Task The_image_runs_the_silo_as_a_numeric_non_root_user_through_an_exec_form_entrypoint()
    {
        foreach (var step in image.Steps)
        {
            output.WriteLine(step);
        }

        output.WriteLine($"image size: {image.ImageSize} bytes ({image.ImageSize / 1_000_000.0:F0} MB)");

        var config = JsonNode.Parse(await image.Podman.RunAsync("image", "inspect", "--format", "{{json .Config}}", ContainerImageFixture.Image))!;

        Assert.Equal($"{AppUid}:{AppUid}", (string?)config["User"]);
        // Exec form, the silo's binary itself: no shell between the runtime and the silo.
        Assert.Equal(["/app/driftfabric-silo"], config["Entrypoint"]!.AsArray().Select(e => (string?)e));
        Assert.Empty(config["Cmd"]?.AsArray() ?? []);
        Assert.Equal(["11111/tcp", "30000/tcp", "5080/tcp"], config["ExposedPorts"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        var environment = config["Env"]!.AsArray().Select(e => (string)e!).ToList();
        Assert.Contains("DRIFTFABRIC__APIADDRESS=0.0.0.0", environment);
        Assert.Contains("DRIFTFABRIC__FLEET=/etc/driftfabric/driftfabric.yaml", environment);
        Assert.Contains("DRIFTFABRIC__SECRETDIGEST__DATADIRECTORY=/var/lib/driftfabric", environment);
    }

    [Fact]
    public async Task Git_and_kubectl_run_inside_the_image_as_its_user_on_a_read_only_root()
    {
        var git = await image.Podman.RunAsync("run", "--rm", "--network", "host", "--read-only", "--entrypoint", "/usr/bin/git", ContainerImageFixture.Image, "--version");
        var kubectl = await image.Podman.RunAsync("run", "--rm", "--network", "host", "--read-only", "--entrypoint", "/usr/local/bin/kubectl", ContainerImageFixture.Image, "version", "--client");
        var ssh = await image.Podman.TryRunAsync(["run", "--rm", "--network", "host", "--read-only", "--entrypoint", "/usr/bin/ssh", ContainerImageFixture.Image, "-V"]);
        var id = await image.Podman.RunAsync("run", "--rm", "--network", "host", "--read-only", "--entrypoint", "/usr/bin/id", ContainerImageFixture.Image);
        output.WriteLine($"{git.Trim()} / {kubectl.Trim().ReplaceLineEndings(" / ")} / {ssh.Error.Trim()} / {id.Trim()}");

        Assert.StartsWith("git version 2.", git, StringComparison.Ordinal);
        Assert.Contains("Kustomize Version: v5.", kubectl, StringComparison.Ordinal);
        // ssh (for ssh:// remotes) prints its version on stderr, and refuses to run for a uid without a name.
        Assert.Equal(0, ssh.Code);
        Assert.StartsWith("OpenSSH_", ssh.Error, StringComparison.Ordinal);
        Assert.StartsWith($"uid={AppUid}(app) gid={AppUid}(app)", id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_git_and_kubectl_the_image_holds_neither_and_still_runs_the_silo()
    {
        const string Lean = "localhost/driftfabric-silo:lean";
        var clock = Stopwatch.StartNew();
        await image.BuildImageAsync(Lean, withGit: false, withKubectl: false);
        var size = long.Parse((await image.Podman.RunAsync("image", "inspect", "--format", "{{.Size}}", Lean)).Trim(), CultureInfo.InvariantCulture);
        output.WriteLine($"lean build: {clock.Elapsed.TotalSeconds:F1} s, image size: {size} bytes ({size / 1_000_000.0:F0} MB)");

        foreach (var tool in new[] { "/usr/local/bin/kubectl", "/usr/bin/git", "/usr/bin/ssh" })
        {
            var probe = await image.Podman.TryRunAsync(["run", "--rm", "--read-only", "--entrypoint", "/usr/bin/test", Lean, "-e", tool]);
            Assert.True(probe.Code == 1, $"{tool} is in the image built without it (test -e: {probe.Code}, {probe.Error.Trim()})");
        }

        // The silo itself runs there: an option it does not know is its one-line refusal and usage.
        var silo = await image.Podman.TryRunAsync(["run", "--rm", "--read-only", Lean, "--flee"]);
        Assert.Equal(1, silo.Code);
        Assert.Contains("usage: driftfabric-silo", silo.Error, StringComparison.Ordinal);
        Assert.True(size < image.ImageSize, $"the image without git and kubectl ({size} bytes) is not smaller than the one with them ({image.ImageSize} bytes)");
    }

    [Fact]
    public async Task The_silo_in_the_image_runs_read_only_on_redis_judges_a_watched_cluster_and_streams_its_events()
    {
        var clock = Stopwatch.StartNew();
        await using var redis = await RedisServer.StartAsync();
        await using var cluster = await KubeApiServer.StartAsync();
        cluster.Put(Objects.Deployment("web", "shop", 2, "web:1"));
        cluster.Put(Objects.Deployment("api", "shop", 2, "api:1"));
        cluster.Edit("apps/v1", "Deployment", "shop", "api", o => o["spec"]!["replicas"] = 5, "kubectl-scale");

        // Desired state two ways, each needing a tool the image carries: a Kustomize layout
        // (kubectl kustomize) for cluster prod, a Git repository served by git daemon (git) for edge.
        using var repo = GitRepo.Create("fleet");
        repo.Write("clusters/edge/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:2"));
        var revision = repo.Commit("edge: web 2");
        await using var daemon = await GitDaemon.StartAsync(repo.ServedFolder);

        // What a ConfigMap would hold, mounted read-only at the image's fleet path.
        var config = image.Folder("config-" + Guid.NewGuid().ToString("N"));
        Write(config, "kube.yaml", cluster.KubeConfig());
        Write(config, "desired/kustomization.yaml", "resources:\n- app.yaml\n");
        Write(config, "desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1") + Objects.DesiredDeployment("api", "shop", 2, "api:1"));
        Write(config, "driftfabric.yaml", $"""
            apiVersion: driftfabric.io/v1alpha1
            kind: Fleet
            tenants:
            - name: boxed
              clusters:
              - name: prod
                desired: desired
                live: {"{"} kubeconfig: kube.yaml, context: test {"}"}
                pollInterval: 500ms
              - name: edge
                desired: {"{"} git: "{daemon.UrlOf(repo.Name)}", path: clusters/edge {"}"}
                live: {"{"} kubeconfig: kube.yaml, context: test {"}"}
                pollInterval: 500ms
            """);

        var apiPort = LoopbackPorts.Free();
        await using var silo = await SiloContainer.StartAsync(
            image.Podman,
            [
                "--network", "host",
                "--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp:rw,mode=1777,size=256m",
                "-v", $"{config}:/etc/driftfabric:ro",
                "-e", $"DRIFTFABRIC__API__TOKENS__0__TOKEN={Token}",
                "-e", "DRIFTFABRIC__API__TOKENS__0__TENANTS__0=*",
                ContainerImageFixture.Image,
                "--redis", redis.Endpoint,
                "--address", "127.0.0.1",
                "--api-port", apiPort.ToString(CultureInfo.InvariantCulture),
                "--silo-port", LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
                "--gateway-port", LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
                "--webhook-port", LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            ]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        // Ready: the fleet loaded, Redis and the log answering.
        await Eventually.HoldsAsync(
            async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode == HttpStatusCode.OK,
            async () => $"/readyz never answered 200; the container says: {await silo.LogsAsync()}",
            TimeSpan.FromSeconds(90));
        output.WriteLine($"ready: {clock.Elapsed.TotalSeconds:F1} s after the test started");

        // The process is the silo itself, as the image's uid.
        var pid = (await image.Podman.RunAsync("inspect", "--format", "{{.State.Pid}}", silo.Name)).Trim();
        var status = await File.ReadAllLinesAsync($"/proc/{pid}/status");
        var command = (await File.ReadAllTextAsync($"/proc/{pid}/cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"Uid:\t{AppUid}\t{AppUid}\t{AppUid}\t{AppUid}", status.Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)));
        Assert.Equal("/app/driftfabric-silo", command[0]);

        // The Kustomize cluster's drift: api scaled to 5 against 2 in the code, by kubectl-scale.
        var api = await DriftsAsync(http, "/api/v1/tenants/boxed/clusters/prod/services/shop/api", silo);
        var replicas = api.Single(d => (string?)d["path"] == "/spec/replicas");
        Assert.Equal(("apps/Deployment/shop/api", 2, 5, "kubectl-scale"), ((string?)replicas["resource"], (int)replicas["desired"]!, (int)replicas["live"]!, (string?)replicas["manager"]));

        // The Git cluster's drift, judged against the commit git fetched inside the container.
        var web = await DriftsAsync(http, "/api/v1/tenants/boxed/clusters/edge/services/shop/web", silo);
        var imageDrift = web.Single(d => ((string?)d["path"])!.EndsWith("/image", StringComparison.Ordinal));
        Assert.Equal(("web:2", "web:1", revision), ((string?)imageDrift["desired"], (string?)imageDrift["live"], (string?)imageDrift["revision"]));

        // The event stream replayed from the start, in sequence, holds the drift's opening.
        static bool ApiReplicas(SseItem<string> e) => e.Data.Contains("\"apps/Deployment/shop/api\"", StringComparison.Ordinal) && e.Data.Contains("\"/spec/replicas\"", StringComparison.Ordinal);
        var replayed = await EventsAsync(http, "?after=0", ApiReplicas);
        Assert.Equal(Enumerable.Range(1, replayed.Count).Select(i => (long)i), replayed.Select(Sequence));
        Assert.Equal("opened", replayed.Single(ApiReplicas).EventType);

        // A change on the cluster arrives on a stream resumed from the last event the tenant had:
        // every event after it, from the next sequence on, the change among them.
        using var tenant = await http.GetAsync(new Uri("/api/v1/tenants/boxed", UriKind.Relative));
        var last = (long)JsonNode.Parse(await tenant.Content.ReadAsStringAsync())!["lastSequence"]!;
        cluster.Edit("apps/v1", "Deployment", "shop", "web", o => o["spec"]!["replicas"] = 7, "kubectl-scale");
        static bool WebReplicas(SseItem<string> e) => e.Data.Contains("\"apps/Deployment/shop/web\"", StringComparison.Ordinal) && e.Data.Contains("\"/spec/replicas\"", StringComparison.Ordinal);
        var resumed = await EventsAsync(http, $"?after={last}", WebReplicas);
        Assert.Equal(Enumerable.Range(1, resumed.Count).Select(i => last + i), resumed.Select(Sequence));
        Assert.Equal("opened", resumed.First(WebReplicas).EventType);
        output.WriteLine($"drift and events seen: {clock.Elapsed.TotalSeconds:F1} s after the test started");

        // SIGTERM reaches the silo (it is PID 1): it stops cleanly.
        var exit = await silo.StopAsync();
        Assert.True(exit == 0, $"the silo exited {exit} on SIGTERM: {await silo.LogsAsync()}");
    }

    [Fact]
    public async Task An_embedded_silo_writes_its_installation_key_to_the_data_folder_and_stops_with_one_line_when_that_is_read_only()
    {
        // A fleet of snapshots: no server needed, the embedded fabric (no --redis).
        var config = image.Folder("embedded-" + Guid.NewGuid().ToString("N"));
        Write(config, "desired/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        Write(config, "live.json", Objects.List(Objects.Deployment("web", "shop", 2, "web:1")));
        Write(config, "driftfabric.yaml", """
            apiVersion: driftfabric.io/v1alpha1
            kind: Fleet
            tenants:
            - name: boxed
              clusters:
              - name: prod
                desired: desired
                live: { snapshot: live.json }
            """);
        string[] Run(int apiPort, params string[] writable) =>
        [
            "--network", "host", "--read-only", "--read-only-tmpfs=false",
            .. writable.SelectMany(path => new[] { "--tmpfs", path }),
            "-v", $"{config}:/etc/driftfabric:ro",
            ContainerImageFixture.Image,
            "--api-port", apiPort.ToString(CultureInfo.InvariantCulture),
            "--silo-port", LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            "--gateway-port", LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            "--webhook-port", LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
        ];

        // Only /tmp writable: the key cannot be kept, and the silo says so in one line.
        var (code, _, error) = await image.Podman.TryRunAsync(["run", "--rm", .. Run(LoopbackPorts.Free(), "/tmp:rw,mode=1777")]);
        Assert.Equal(1, code);
        Assert.Contains("secret digest: cannot read or keep the installation key in /var/lib/driftfabric/secret-digest.key: Read-only file system", error, StringComparison.Ordinal);

        // With the data folder writable too (a volume in a cluster, a tmpfs here), it starts and keeps the key there.
        var apiPort = LoopbackPorts.Free();
        await using var silo = await SiloContainer.StartAsync(image.Podman, Run(apiPort, "/tmp:rw,mode=1777", "/var/lib/driftfabric:rw,mode=0700,U"));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}/") };
        await Eventually.HoldsAsync(
            async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode == HttpStatusCode.OK,
            async () => $"/readyz never answered 200; the container says: {await silo.LogsAsync()}",
            TimeSpan.FromSeconds(90));
        var key = await image.Podman.RunAsync("exec", silo.Name, "/usr/bin/stat", "--format", "%u %a %s", "/var/lib/driftfabric/secret-digest.key");
        Assert.Equal($"{AppUid} 600 65", key.Trim()); // 64 hex digits and a newline
    }

    private static void Write(string folder, string relative, string text)
    {
        var path = Path.Combine(folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>The service's drifts once it has any (its first load may still be on its way).</summary>
    private static async Task<List<JsonNode>> DriftsAsync(HttpClient http, string path, SiloContainer silo)
    {
        var drifts = await Eventually.ReachAsync(
            async () =>
            {
                using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
                return response.IsSuccessStatusCode
                    ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!["drifts"]!.AsArray().Select(d => d!).ToList()
                    : [];
            },
            drifts => drifts.Count > 0,
            TimeSpan.FromSeconds(60));
        Assert.True(drifts.Count > 0, $"{path} never showed a drift; the container says: {await silo.LogsAsync()}");
        return drifts;
    }

    private static long Sequence(SseItem<string> e) => long.Parse(e.EventId!, CultureInfo.InvariantCulture);

    /// <summary>Reads the tenant's event stream from <paramref name="cursor"/> until an event matching <paramref name="wanted"/> came; returns every event read.</summary>
    private static async Task<List<SseItem<string>>> EventsAsync(HttpClient http, string cursor, Func<SseItem<string>, bool> wanted)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/tenants/boxed/events" + cursor);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        var seen = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(timeout.Token))
        {
            seen.Add(item);
            if (wanted(item))
            {
                break;
            }
        }

        return seen;
    }

    /// <summary>A container of the image, started detached; removed (forcibly, if still running) on dispose.</summary>
    private sealed class SiloContainer : IAsyncDisposable
    {
        private readonly Podman _podman;

        private SiloContainer(Podman podman, string name)
        {
            _podman = podman;
            Name = name;
        }

        public string Name { get; }

        public static async Task<SiloContainer> StartAsync(Podman podman, IReadOnlyList<string> arguments)
        {
            var container = new SiloContainer(podman, "driftfabric-silo-" + Guid.NewGuid().ToString("N")[..12]);
            await podman.RunAsync(["run", "--detach", "--name", container.Name, .. arguments], stdin: null);
            return container;
        }

        public async Task<string> LogsAsync()
        {
            var (_, stdout, stderr) = await _podman.TryRunAsync(["logs", Name]);
            var both = (stdout + stderr).Trim();
            return both.Length <= 6000 ? both : "..." + both[^6000..];
        }

        /// <summary>Stops the container (SIGTERM, then SIGKILL after 20 s) and returns the silo's exit status.</summary>
        public async Task<int> StopAsync()
        {
            await _podman.RunAsync("stop", "--time", "20", Name);
            return int.Parse((await _podman.RunAsync("inspect", "--format", "{{.State.ExitCode}}", Name)).Trim(), CultureInfo.InvariantCulture);
        }

        public async ValueTask DisposeAsync() => await _podman.TryRunAsync(["rm", "--force", "--time", "0", Name]);
    }
}
