using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Grains.Fleet;

namespace DriftFabric.Grains.Tests.Fleet;

/// <summary>
/// Clusters whose desired state is a Git repository (real repositories made with the git CLI,
/// served by <c>file://</c>, a real <c>git daemon</c> and a real <c>sshd</c> on loopback), judged in the in-process fabric.
/// </summary>
[Collection(FabricTests.Name)]
public sealed class GitDesiredTests(FabricFixture fabric)
{
    private FleetLoader Loader => new(fabric.Client);

    private static TempFleet GitFleet(string tenant, string url, string extraCluster = "", string credentials = "")
    {
        var fleet = TempFleet.Single(tenant);
        fleet.Write("driftfabric.yaml", fleet.Read("driftfabric.yaml")
            .Replace("desired: desired", $"desired: {{ git: \"{url}\", ref: main, path: deploy, interval: 1h{credentials} }}", StringComparison.Ordinal)
            .Replace("pollInterval: 10m", "pollInterval: 200ms", StringComparison.Ordinal) + extraCluster);
        return fleet;
    }

    private Task<ClusterSummary> SummaryOnceAsync(string cluster, Func<ClusterSummary, bool> done) =>
        Eventually.ReachAsync(() => fabric.Client.GetGrain<IClusterGrain>(cluster).GetSummary(), done);

    [Fact]
    public async Task A_pushed_commit_is_judged_and_drifts_events_and_the_summary_name_the_commit()
    {
        using var repo = GitRepo.Create();
        repo.Write("deploy/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        var first = repo.Commit();
        using var fleet = GitFleet("gitflow", repo.FileUrl);
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 3, "web:1")));
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, "gitflow");

        var loaded = await Loader.LoadAsync(fleet.SpecPath);

        Assert.Empty(loaded.Errors);
        var cluster = Assert.Single(loaded.Tenants[0].Clusters);
        Assert.Equal((SourceState.Ok, first), (cluster.Status.State, cluster.DesiredRevision));
        var opened = await events.ReadOneAsync();
        Assert.Equal(("/spec/replicas", DriftEventType.Opened, first), (opened.Drift.Path, opened.Type, opened.Drift.Revision));
        Assert.All(await fabric.Client.GetGrain<IServiceGrain>("gitflow/prod/shop/web").GetDrifts(), d =>
        {
            Assert.Equal(first, d.Revision);
            Assert.StartsWith($"{repo.FileUrl}@{first[..12]}:deploy/app.yaml", d.Source, StringComparison.Ordinal);
        });

        repo.Write("deploy/app.yaml", Objects.DesiredDeployment("web", "shop", 3, "web:2"));
        var second = repo.Commit();
        Assert.True(await fabric.Client.GetGrain<IClusterGrain>("gitflow/prod").RefreshDesired());

        var next = new[] { await events.ReadOneAsync(), await events.ReadOneAsync() }.OrderBy(e => e.Type).ToList();
        Assert.Equal(
            [(DriftEventType.Opened, "/spec/template/spec/containers[name=web]/image", second), (DriftEventType.Resolved, "/spec/replicas", first)],
            next.Select(e => (e.Type, e.Drift.Path, e.Drift.Revision)));
        var summary = await SummaryOnceAsync("gitflow/prod", s => s.DesiredRevision == second);
        Assert.Equal((SourceState.Ok, second), (summary.Status.State, summary.DesiredRevision));
        Assert.Equal(second, (await fabric.Client.GetGrain<ITenantGrain>("gitflow").GetSummary()).Clusters.Single().DesiredRevision);
    }

    [Fact]
    public async Task A_repository_over_ssh_is_judged_with_the_fleet_spec_s_key_file_and_known_hosts()
    {
        using var repo = GitRepo.Create();
        repo.Write("deploy/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        var first = repo.Commit();
        await using var sshd = await SshGitServer.StartAsync();
        using var fleet = GitFleet("gitssh", sshd.UrlOf(repo.Root), credentials: $", sshKeyFile: \"{sshd.ClientKeyFile}\", knownHosts: \"{sshd.KnownHostsFile}\"");
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 3, "web:1")));

        var loaded = await Loader.LoadAsync(fleet.SpecPath);

        Assert.Empty(loaded.Errors);
        var cluster = Assert.Single(loaded.Tenants[0].Clusters);
        Assert.Equal((SourceState.Ok, first), (cluster.Status.State, cluster.DesiredRevision));
        var drift = Assert.Single(await fabric.Client.GetGrain<IServiceGrain>("gitssh/prod/shop/web").GetDrifts());
        Assert.Equal(("/spec/replicas", first), (drift.Path, drift.Revision));
        Assert.Contains("Accepted publickey for " + sshd.User, sshd.Log, StringComparison.Ordinal);

        repo.Write("deploy/app.yaml", Objects.DesiredDeployment("web", "shop", 3, "web:1"));
        var second = repo.Commit();
        Assert.True(await fabric.Client.GetGrain<IClusterGrain>("gitssh/prod").RefreshDesired());
        var summary = await SummaryOnceAsync("gitssh/prod", s => s.DesiredRevision == second);
        Assert.Equal((SourceState.Ok, 0), (summary.Status.State, summary.Summary.DriftedResources));
    }

    [Fact]
    public async Task An_unreachable_remote_degrades_only_its_cluster_and_keeps_its_last_good_state()
    {
        using var repo = GitRepo.Create();
        repo.Write("deploy/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        var first = repo.Commit();
        var daemon = await GitDaemon.StartAsync(repo.ServedFolder);
        using var fleet = GitFleet("gitdown", daemon.UrlOf(repo.Name), """

              - name: plain
                desired: desired
                live: { snapshot: plain-live.json }
                pollInterval: 200ms
            """);
        fleet.Write("desired/app.yaml", Objects.DesiredDeployment("api", "shop", 1, "api:1"));
        fleet.Write("plain-live.json", Objects.List(Objects.Deployment("api", "shop", 1, "api:1")));
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 3, "web:1")));
        var loaded = await Loader.LoadAsync(fleet.SpecPath);
        Assert.Empty(loaded.Errors);
        var before = loaded.Tenants[0].Clusters.Single(c => c.Cluster == "prod");
        Assert.Equal(first, before.DesiredRevision);

        await daemon.DisposeAsync();
        await fabric.Client.GetGrain<IClusterGrain>("gitdown/prod").RefreshDesired();
        var degraded = await SummaryOnceAsync("gitdown/prod", s => s.Status.State != SourceState.Ok);

        Assert.Equal(SourceState.Degraded, degraded.Status.State);
        var error = Assert.Single(degraded.Status.Errors);
        Assert.Contains($"git {daemon.UrlOf(repo.Name)}#main: remote unreachable", error, StringComparison.Ordinal);
        Assert.Contains("desired state kept at " + first, error, StringComparison.Ordinal);
        var drifts = await fabric.Client.GetGrain<IServiceGrain>("gitdown/prod/shop/web").GetDrifts();
        Assert.True(before.Summary == degraded.Summary, string.Join("; ", drifts.Select(d => $"{d.Path} {d.Kind} {d.Severity} {d.Desired} {d.Live}")) + " before " + before);
        Assert.Equal((before.Summary, first), (degraded.Summary, degraded.DesiredRevision));
        Assert.Single(drifts);

        // The other cluster goes on: a hand edit of its live state is judged.
        fleet.Write("plain-live.json", Objects.List(Objects.Deployment("api", "shop", 4, "api:1")));
        var plain = await SummaryOnceAsync("gitdown/plain", s => s.Summary.DriftedResources == 1);
        Assert.Equal((SourceState.Ok, 1, null), (plain.Status.State, plain.Summary.DriftedResources, plain.DesiredRevision));
    }

    [Fact]
    public async Task A_broken_yaml_file_in_the_repository_is_an_error_naming_its_file_and_line_and_the_last_good_state_is_kept()
    {
        using var repo = GitRepo.Create();
        repo.Write("deploy/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        var first = repo.Commit();
        using var fleet = GitFleet("gitbroken", repo.FileUrl);
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 3, "web:1")));
        var loaded = await Loader.LoadAsync(fleet.SpecPath);
        var before = loaded.Tenants[0].Clusters.Single();

        repo.Write("deploy/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [broken\n");
        var second = repo.Commit();
        await fabric.Client.GetGrain<IClusterGrain>("gitbroken/prod").RefreshDesired();
        var degraded = await SummaryOnceAsync("gitbroken/prod", s => s.Status.State != SourceState.Ok);

        Assert.Equal(SourceState.Degraded, degraded.Status.State);
        var error = Assert.Single(degraded.Status.Errors);
        Assert.StartsWith($"desired {repo.FileUrl}@{second[..12]}:deploy/broken.yaml:", error, StringComparison.Ordinal);
        Assert.Equal((before.Summary, first), (degraded.Summary, degraded.DesiredRevision));
    }

    [Fact]
    public async Task A_file_broken_by_a_push_is_judged_as_the_last_good_commit_declared_it_and_the_rest_of_the_push_is_judged()
    {
        using var repo = GitRepo.Create();
        repo.Write("deploy/web.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        repo.Write("deploy/api.yaml", Objects.DesiredDeployment("api", "shop", 1, "api:1"));
        var first = repo.Commit();
        using var fleet = GitFleet("gitpartly", repo.FileUrl);
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 3, "web:1"), Objects.Deployment("api", "shop", 1, "api:1")));
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, "gitpartly");
        var loaded = await Loader.LoadAsync(fleet.SpecPath);
        Assert.Equal((SourceState.Ok, first), (loaded.Tenants[0].Clusters[0].Status.State, loaded.Tenants[0].Clusters[0].DesiredRevision));
        var webOpened = await events.ReadOneAsync();
        Assert.Equal(("apps/Deployment/shop/web", "/spec/replicas"), (webOpened.Drift.Resource, webOpened.Drift.Path));

        // One push breaks web's file and changes api's.
        repo.Write("deploy/web.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: [web\n");
        repo.Write("deploy/api.yaml", Objects.DesiredDeployment("api", "shop", 2, "api:1"));
        var second = repo.Commit();
        await fabric.Client.GetGrain<IClusterGrain>("gitpartly/prod").RefreshDesired();

        // api is judged at the new commit...
        var apiOpened = await events.ReadOneAsync();
        Assert.Equal(("apps/Deployment/shop/api", "/spec/replicas", DriftEventType.Opened, second), (apiOpened.Drift.Resource, apiOpened.Drift.Path, apiOpened.Type, apiOpened.Drift.Revision));
        var summary = await SummaryOnceAsync("gitpartly/prod", s => s.DesiredRevision == second && s.Status.State == SourceState.Degraded);
        var error = Assert.Single(summary.Status.Errors);
        Assert.StartsWith($"desired {repo.FileUrl}@{second[..12]}:deploy/web.yaml:", error, StringComparison.Ordinal);
        Assert.Contains($"its objects are judged as commit {first[..12]} declared them", error, StringComparison.Ordinal);

        // ...and web as the last good commit declared it: its drift stays, never turned unmanaged or missing.
        var web = Assert.Single(await fabric.Client.GetGrain<IServiceGrain>("gitpartly/prod/shop/web").GetDrifts());
        Assert.Equal(("/spec/replicas", DriftKind.Modified), (web.Path, web.Kind));
        Assert.StartsWith($"{repo.FileUrl}@{first[..12]}:deploy/web.yaml", web.Source, StringComparison.Ordinal);
        Assert.Equal(2, summary.Summary.DriftedResources);
    }

    [Fact]
    public async Task A_refused_token_degrades_the_cluster_without_showing_it_and_a_rotated_one_is_read_at_the_next_fetch()
    {
        const string Token = "tok-fabric-8c41d2e9a7";
        const string Stale = "tok-stale-0000000000";
        using var repo = GitRepo.Create();
        repo.Write("deploy/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        var first = repo.Commit();
        await using var server = await GitHttpServer.StartAsync(repo.ServedFolder, Token);
        using var fleet = GitFleet("gitauth", server.UrlOf(repo.Name));
        fleet.Write("driftfabric.yaml", fleet.Read("driftfabric.yaml").Replace("interval: 1h }", "interval: 1h, tokenFile: git-token }", StringComparison.Ordinal));
        fleet.Write("git-token", Token + "\n");
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 3, "web:1")));
        var loaded = await Loader.LoadAsync(fleet.SpecPath);
        Assert.Equal((SourceState.Ok, first), (loaded.Tenants[0].Clusters[0].Status.State, loaded.Tenants[0].Clusters[0].DesiredRevision));
        var cluster = fabric.Client.GetGrain<IClusterGrain>("gitauth/prod");

        fleet.Write("git-token", Stale + "\n");
        repo.Write("deploy/app.yaml", Objects.DesiredDeployment("web", "shop", 3, "web:1"));
        var second = repo.Commit();
        await cluster.RefreshDesired();
        var degraded = await SummaryOnceAsync("gitauth/prod", s => s.Status.State != SourceState.Ok);

        var error = Assert.Single(degraded.Status.Errors);
        Assert.Contains("authentication failed", error, StringComparison.Ordinal);
        Assert.Equal((SourceState.Degraded, first), (degraded.Status.State, degraded.DesiredRevision));
        var shown = System.Text.Json.JsonSerializer.Serialize(degraded) + System.Text.Json.JsonSerializer.Serialize(await cluster.GetConfig());
        Assert.DoesNotContain(Token, shown, StringComparison.Ordinal);
        Assert.DoesNotContain(Stale, shown, StringComparison.Ordinal);

        fleet.Write("git-token", Token + "\n");
        await cluster.RefreshDesired();
        var healed = await SummaryOnceAsync("gitauth/prod", s => s.DesiredRevision == second);
        Assert.Equal((SourceState.Ok, second, 0), (healed.Status.State, healed.DesiredRevision, healed.Summary.DriftedResources));
    }

    [Fact]
    public async Task A_remote_never_read_fails_its_cluster_with_the_remote_named()
    {
        var url = $"git://127.0.0.1:{LoopbackPorts.Free()}/fleet";
        using var fleet = GitFleet("gitnever", url);

        var loaded = await Loader.LoadAsync(fleet.SpecPath);

        var cluster = Assert.Single(loaded.Tenants[0].Clusters);
        Assert.Equal((SourceState.Failed, null), (cluster.Status.State, cluster.DesiredRevision));
        Assert.StartsWith($"desired git {url}#main: remote unreachable", Assert.Single(cluster.Status.Errors), StringComparison.Ordinal);
    }
}
