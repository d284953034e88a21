using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace DriftFabric.Silo.Tests;

/// <summary>
/// The silo's own <c>Program</c> in the test process with one tenant whose cluster's desired state
/// is a real Git repository (fetched every hour: only a push webhook moves it sooner), its
/// webhook secret in a file the fleet spec names.
/// </summary>
public sealed class GitHookSilo : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string Secret = "hook-secret-5b1e0c2d";

    /// <summary>The silo's own webhook secret, for the cluster whose spec names none.</summary>
    public const string SiloSecret = "silo-hook-secret-77aa01";
    public const string Token = "token-for-git-hooks-0123456789ab";

    public GitRepo Repo { get; } = GitRepo.Create();

    public TempFleet Fleet { get; } = TempFleet.Single("hooks");

    public string First { get; private set; } = string.Empty;

    public HttpClient Http { get; private set; } = null!;

    private readonly TempDirectory _data = new("driftfabric-silo-data-");

    protected override IHost CreateHost(IHostBuilder builder)
    {
        builder.ConfigureHostConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DriftFabric:Fleet"] = Fleet.SpecPath,
            ["DriftFabric:SiloPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DriftFabric:GatewayPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DriftFabric:SecretDigest:DataDirectory"] = _data.Root,
            ["DriftFabric:Webhook:CaFile"] = Path.Combine(_data.Root, "webhook-ca.crt"),
            ["DriftFabric:Api:Tokens:0:Token"] = Token,
            ["DriftFabric:Api:Tokens:0:Tenants:0"] = "*",
            ["DriftFabric:Git:WebhookSecretFile"] = Path.Combine(Fleet.Root, "silo-hook-secret"),
        }));
        return base.CreateHost(builder);
    }

    public async Task InitializeAsync()
    {
        Repo.Write("deploy/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        First = Repo.Commit();
        Fleet.Write("hook-secret", Secret + "\n");
        Fleet.Write("silo-hook-secret", SiloSecret);
        Fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 3, "web:1")));
        Fleet.Write("driftfabric.yaml", Fleet.Read("driftfabric.yaml")
            .Replace("desired: desired", $"desired: {{ git: \"{Repo.FileUrl}\", ref: main, path: deploy, interval: 1h, webhookSecretFile: hook-secret }}", StringComparison.Ordinal)
            .Replace("pollInterval: 10m", "pollInterval: 200ms", StringComparison.Ordinal) + $$"""

              - name: second
                desired: { git: "{{Repo.FileUrl}}", ref: main, path: deploy, interval: 1h }
                live: { snapshot: live.json }
            """);
        Http = CreateClient();
        Http.Timeout = TimeSpan.FromSeconds(30);
        await Eventually.HoldsAsync(
            async () => (await Http.GetAsync("/readyz")).IsSuccessStatusCode,
            () => Task.FromResult("the in-process silo never became ready"));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        Http.Dispose();
        await base.DisposeAsync();
        Repo.Dispose();
        Fleet.Dispose();
        _data.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class GitHookSiloTests : ICollectionFixture<GitHookSilo>
{
    public const string Name = "git-hook-silo";
}

/// <summary>The push webhook: GitHub's signature and GitLab's token verified, the cluster fetching at once, and the revision in the API's JSON.</summary>
[Collection(GitHookSiloTests.Name)]
public sealed class GitHookTests(GitHookSilo silo)
{
    private string Push(string @ref = "refs/heads/main") =>
        new JsonObject { ["ref"] = @ref, ["after"] = "0000000000000000000000000000000000000000", ["repository"] = new JsonObject { ["clone_url"] = silo.Repo.FileUrl } }.ToJsonString();

    private static string Signature(string body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    private Task<(HttpStatusCode Status, string? MediaType, JsonNode? Body)> HookAsync(string body, params (string Name, string Value)[] headers) =>
        silo.Http.ApiSendAsync(HttpMethod.Post, "/api/v1/hooks/git", null, new StringContent(body, Encoding.UTF8, "application/json"), headers);

    private Task<JsonNode?> ClusterAsync(Func<JsonNode?, bool> done) =>
        Eventually.ReachAsync(async () => (await silo.Http.ApiGetAsync("/api/v1/tenants/hooks/clusters/prod", GitHookSilo.Token)).Body, done);

    [Fact]
    public async Task A_signed_github_push_and_a_gitlab_token_fetch_at_once_and_the_api_shows_the_new_revision()
    {
        var before = await ClusterAsync(c => c?["summary"]?["desiredRevision"] is not null);
        var known = before!["summary"]!["desiredRevision"]!.GetValue<string>();

        silo.Repo.Write("deploy/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:2"));
        var second = silo.Repo.Commit();
        var body = Push();
        var (status, _, answer) = await HookAsync(body, ("X-GitHub-Event", "push"), ("X-Hub-Signature-256", Signature(body, GitHookSilo.Secret)));

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(1, answer!["triggered"]!.GetValue<int>());
        Assert.Equal("hooks/prod", answer["clusters"]![0]!.GetValue<string>());
        var moved = await ClusterAsync(c => c?["summary"]?["desiredRevision"]?.GetValue<string>() == second);
        Assert.Equal(second, moved!["summary"]!["desiredRevision"]!.GetValue<string>());
        Assert.NotEqual(known, second);
        var service = await Eventually.ReachAsync(
            async () => (await silo.Http.ApiGetAsync("/api/v1/tenants/hooks/clusters/prod/services/shop/web", GitHookSilo.Token)).Body,
            s => s?["drifts"]?.AsArray().Any(d => d?["revision"]?.GetValue<string>() == second) == true);
        Assert.All(service!["drifts"]!.AsArray(), d => Assert.Equal(second, d!["revision"]!.GetValue<string>()));

        silo.Repo.Write("deploy/app.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:3"));
        var third = silo.Repo.Commit();
        var gitlab = new JsonObject { ["object_kind"] = "push", ["ref"] = "refs/heads/main", ["project"] = new JsonObject { ["git_http_url"] = silo.Repo.FileUrl + ".git" } }.ToJsonString();
        var (gitlabStatus, _, _) = await HookAsync(gitlab, ("X-Gitlab-Event", "Push Hook"), ("X-Gitlab-Token", GitHookSilo.Secret));

        Assert.Equal(HttpStatusCode.Accepted, gitlabStatus);
        Assert.Equal(third, (await ClusterAsync(c => c?["summary"]?["desiredRevision"]?.GetValue<string>() == third))!["summary"]!["desiredRevision"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_cluster_whose_spec_names_no_secret_is_proven_by_the_silos()
    {
        var body = Push();

        var (status, _, answer) = await HookAsync(body, ("X-Hub-Signature-256", Signature(body, GitHookSilo.SiloSecret)));

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(["hooks/second"], answer!["clusters"]!.AsArray().Select(c => c!.GetValue<string>()));
    }

    [Fact]
    public async Task The_event_stream_carries_the_revision_each_drift_was_judged_against()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/tenants/hooks/events?after=0");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GitHookSilo.Token);
        using var response = await silo.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var first = await System.Net.ServerSentEvents.SseParser.Create(stream).EnumerateAsync(timeout.Token).FirstAsync(timeout.Token);

        var e = JsonNode.Parse(first.Data)!;
        Assert.Equal(("opened", 1L), (first.EventType, (long)e["sequence"]!));
        Assert.Equal(silo.First, (string?)e["drift"]!["revision"]);
    }

    [Theory]
    [InlineData("X-Hub-Signature-256", "sha256=00")]
    [InlineData("X-Hub-Signature-256", "wrong-secret")]
    [InlineData("X-Gitlab-Token", "wrong-secret")]
    [InlineData("X-Other", "none")]
    public async Task A_push_that_proves_no_secret_is_401(string header, string value)
    {
        var body = Push();
        var proof = header == "X-Hub-Signature-256" && value == "wrong-secret" ? Signature(body, value) : value;

        var (status, mediaType, problem) = await HookAsync(body, (header, proof));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("application/problem+json", mediaType);
        Assert.DoesNotContain(GitHookSilo.Secret, problem!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_push_of_another_ref_or_repository_triggers_nothing()
    {
        var otherRef = Push("refs/heads/feature");
        var otherRepository = Push().Replace(silo.Repo.FileUrl, "https://github.com/acme/elsewhere.git", StringComparison.Ordinal);

        foreach (var body in new[] { otherRef, otherRepository })
        {
            var (status, _, _) = await HookAsync(body, ("X-Hub-Signature-256", Signature(body, GitHookSilo.Secret)));
            Assert.Equal(HttpStatusCode.Unauthorized, status);
        }
    }
}
