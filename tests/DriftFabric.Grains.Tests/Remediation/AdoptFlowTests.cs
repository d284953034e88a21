using System.Diagnostics;
using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;

namespace DriftFabric.Grains.Tests.Remediation;

/// <summary>Adopting live into the code, on a real git repository: a patch, a branch for review, the working tree untouched.</summary>
[Collection(FabricTests.Name)]
public sealed class AdoptFlowTests(FabricFixture fabric)
{
    private const string App = """
        # Shop's web tier. Reviewed by team-shop.
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: shop
          labels:
            app.kubernetes.io/name: web   # routing label
        spec:
          replicas: 2        # HPA min

          template:
            spec:
              containers:
              - name: web
                image: "web:1"
        ---

        """;

    /// <summary>
    /// The code of the first test as git holds it: a byte order mark, LF and CRLF lines mixed,
    /// comments (one after a tab), several documents, single-quoted strings with <c>''</c>.
    /// </summary>
    private const string Code = "\uFEFF# Shop's web tier. Reviewed by team-shop.\r\n"
        + "apiVersion: apps/v1\r\n"
        + "kind: Deployment\n"
        + "metadata:\r\n"
        + "  name: web\r\n"
        + "  namespace: shop\r\n"
        + "  labels:\n"
        + "    app.kubernetes.io/name: 'web'   # routing label\r\n"
        + "spec:\r\n"
        + "  replicas: 2\t# HPA min\r\n"
        + "\r\n"
        + "  template:\n"
        + "    spec:\n"
        + "      containers:\r\n"
        + "      - name: web\n"
        + "        image: 'web:1'   # pinned\n"
        + "---\r\n"
        + "# Its settings.\n"
        + "apiVersion: v1\r\n"
        + "kind: ConfigMap\r\n"
        + "metadata:\r\n"
        + "  name: web-config\n"
        + "  namespace: shop\r\n"
        + "  labels:\r\n"
        + "    app.kubernetes.io/name: web\r\n"
        + "data:\r\n"
        + "  note: 'it''s fine'   # said the team\r\n"
        + "  x: \"y\"\n"
        + "---\n"
        + "apiVersion: v1\r\n"
        + "kind: ConfigMap\n"
        + "metadata:\n"
        + "  name: api-config\n"
        + "  namespace: shop\n"
        + "data:\n"
        + "  greeting: 'don''t panic'";

    private const string WebConfig = """
        {"apiVersion":"v1","kind":"ConfigMap",
         "metadata":{"name":"web-config","namespace":"shop","labels":{"app.kubernetes.io/name":"web"},
           "managedFields":[{"manager":"kubectl-edit","operation":"Update","time":"2026-11-02T03:12:44Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:note":{}}}}]},
         "data":{"note":"it's live","x":"y"}}
        """;

    [Fact]
    public async Task Adopting_commits_the_live_values_on_a_new_branch_and_every_other_byte_of_the_file_stays()
    {
        using var fleet = TempFleet.Single("adopt-flow");
        var code = Encoding.UTF8.GetBytes(Code);
        File.WriteAllBytes(Path.Combine(fleet.Root, "desired/app.yaml"), code);
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 6, "web:2", manager: "kubectl-edit"), WebConfig));
        Git(fleet.Root, "init", "-q", "-b", "main");
        Git(fleet.Root, "config", "core.autocrlf", "false");
        Git(fleet.Root, "add", "-A");
        Git(fleet.Root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "the code");
        var head = Git(fleet.Root, "rev-parse", "HEAD");
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, "adopt-flow");
        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        var cluster = fabric.Client.GetGrain<IClusterGrain>("adopt-flow/prod");
        var service = new ServiceId("adopt-flow", "prod", "shop", "web");

        var preview = await fabric.Client.GetGrain<IRemediationGrain>(cluster.GetPrimaryKeyString()).Remediate(new RemediationRequest(service, null, RemediationRequest.Adopt, DryRun: true, "test"));
        var branchesAfterPreview = Git(fleet.Root, "branch", "--list", "driftfabric/*");
        var done = await fabric.Client.GetGrain<IRemediationGrain>(cluster.GetPrimaryKeyString()).Remediate(new RemediationRequest(service, null, RemediationRequest.Adopt, DryRun: false, "test"));

        Assert.Equal([RemediationOutcome.WouldChange, RemediationOutcome.WouldChange], preview.Results.Select(r => r.Outcome));
        Assert.Null(preview.Branch);
        Assert.Contains("-  replicas: 2\t# HPA min\r\n", preview.Patch, StringComparison.Ordinal);
        Assert.Contains("+  replicas: 6\t# HPA min\r\n", preview.Patch, StringComparison.Ordinal);
        Assert.Empty(branchesAfterPreview);

        Assert.Equal([RemediationOutcome.Adopted, RemediationOutcome.Adopted], done.Results.Select(r => r.Outcome));
        Assert.StartsWith("driftfabric/adopt/adopt-flow-prod-web-", done.Branch, StringComparison.Ordinal);
        // The branch holds the adoption: the original bytes with the changed lines replaced, and
        // nothing else (the byte order mark, every line's ending, the comments, the other documents).
        var adopted = GitBytes(fleet.Root, "show", $"{done.Branch}:desired/app.yaml");
        var expected = Code
            .Replace("  replicas: 2\t# HPA min\r\n", "  replicas: 6\t# HPA min\r\n", StringComparison.Ordinal)
            .Replace("        image: 'web:1'   # pinned\n", "        image: 'web:2'   # pinned\n", StringComparison.Ordinal)
            .Replace("  note: 'it''s fine'   # said the team\r\n", "  note: 'it''s live'   # said the team\r\n", StringComparison.Ordinal);
        Assert.Equal(3, Code.Split('\n').Zip(expected.Split('\n')).Count(p => p.First != p.Second));
        Assert.Equal(Encoding.UTF8.GetBytes(expected), adopted);
        Assert.Equal([0xEF, 0xBB, 0xBF], adopted[..3]);
        // The checkout, HEAD and the working tree are as they were.
        Assert.Equal(code, File.ReadAllBytes(Path.Combine(fleet.Root, "desired/app.yaml")));
        Assert.Equal((head, "main"), (Git(fleet.Root, "rev-parse", "HEAD"), Git(fleet.Root, "branch", "--show-current")));
        Assert.Equal(["desired/app.yaml"], Git(fleet.Root, "diff", "--name-only", "HEAD", done.Branch!).Split('\n'));
        Assert.Contains("apps/Deployment/shop/web /spec/replicas", Git(fleet.Root, "log", "-1", "--format=%B", done.Branch!), StringComparison.Ordinal);
        Assert.Equal("DriftFabric", Git(fleet.Root, "log", "-1", "--format=%an", done.Branch!));

        var recorded = await events.ReadOneAsync();
        while (recorded.Type != DriftEventType.Remediated)
        {
            recorded = await events.ReadOneAsync();
        }

        Assert.Equal(("adopt", RemediationOutcome.Adopted), (recorded.Remediation!.Action, recorded.Remediation.Outcome));
        Assert.Contains(done.Branch!, recorded.Remediation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_with_uncommitted_changes_is_not_adopted_and_outside_git_only_a_patch_is_made()
    {
        using var fleet = TempFleet.Single("adopt-dirty");
        fleet.Write("desired/app.yaml", App);
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 6, "web:1", manager: "kubectl-edit")));
        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        var cluster = fabric.Client.GetGrain<IClusterGrain>("adopt-dirty/prod");
        var service = new ServiceId("adopt-dirty", "prod", "shop", "web");

        var outside = await fabric.Client.GetGrain<IRemediationGrain>(cluster.GetPrimaryKeyString()).Remediate(new RemediationRequest(service, null, RemediationRequest.Adopt, DryRun: false, "test"));
        Git(fleet.Root, "init", "-q", "-b", "main");
        Git(fleet.Root, "add", "-A");
        Git(fleet.Root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "the code");
        fleet.Write("desired/app.yaml", App + "# a note not committed yet\n");
        var dirty = await fabric.Client.GetGrain<IRemediationGrain>(cluster.GetPrimaryKeyString()).Remediate(new RemediationRequest(service, null, RemediationRequest.Adopt, DryRun: false, "test"));

        Assert.Equal(RemediationOutcome.Adopted, Assert.Single(outside.Results).Outcome);
        Assert.Null(outside.Branch);
        Assert.Contains("+  replicas: 6", outside.Patch, StringComparison.Ordinal);
        Assert.Contains("not a git checkout", outside.Results[0].Message, StringComparison.Ordinal);
        Assert.Equal(RemediationOutcome.Failed, Assert.Single(dirty.Results).Outcome);
        Assert.Contains("has changes that are not committed", dirty.Results[0].Message, StringComparison.Ordinal);
        Assert.Empty(Git(fleet.Root, "branch", "--list", "driftfabric/*"));
    }

    [Fact]
    public async Task A_file_git_does_not_track_is_not_adopted()
    {
        using var fleet = TempFleet.Single("adopt-untracked");
        fleet.Write("desired/app.yaml", App);
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 6, "web:1", manager: "kubectl-edit")));
        Git(fleet.Root, "init", "-q", "-b", "main");
        Git(fleet.Root, "add", "-A");
        Git(fleet.Root, "rm", "-q", "--cached", "desired/app.yaml");
        Git(fleet.Root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "the code, but for the app");
        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);
        var cluster = fabric.Client.GetGrain<IClusterGrain>("adopt-untracked/prod");

        var untracked = await fabric.Client.GetGrain<IRemediationGrain>(cluster.GetPrimaryKeyString()).Remediate(new RemediationRequest(new ServiceId("adopt-untracked", "prod", "shop", "web"), null, RemediationRequest.Adopt, DryRun: false, "test"));

        Assert.Equal(RemediationOutcome.Failed, Assert.Single(untracked.Results).Outcome);
        Assert.Contains("desired/app.yaml is not committed (git does not track it)", untracked.Results[0].Message, StringComparison.Ordinal);
        Assert.Null(untracked.Branch);
        Assert.Empty(Git(fleet.Root, "branch", "--list", "driftfabric/*"));
    }

    [Fact]
    public async Task An_adopt_policy_puts_a_drift_on_a_branch_by_itself()
    {
        using var fleet = TempFleet.Single("adopt-policy", extraSpec: "remediation:\n- { kind: apps/Deployment, action: adopt }");
        fleet.Write("desired/app.yaml", App);
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 2, "web:1", app: "web")));
        Git(fleet.Root, "init", "-q", "-b", "main");
        Git(fleet.Root, "add", "-A");
        Git(fleet.Root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "the code");
        await using var events = await EventCollector.SubscribeAsync(fabric.Client, "adopt-policy");
        await new FleetLoader(fabric.Client).LoadAsync(fleet.SpecPath);

        // Someone scales by hand; the snapshot shows it at the next read.
        fleet.Write("live.json", Objects.List(Objects.Deployment("web", "shop", 4, "web:1", app: "web", manager: "kubectl-scale")));
        await fabric.Client.GetGrain<IClusterGrain>("adopt-policy/prod").Reload();
        var opened = await events.ReadOneAsync();
        var adopted = await events.ReadOneAsync();

        Assert.Equal((DriftEventType.Opened, "/spec/replicas"), (opened.Type, opened.Drift.Path));
        Assert.Equal((DriftEventType.Remediated, "policy", "adopt", RemediationOutcome.Adopted), (adopted.Type, adopted.Remediation!.Actor, adopted.Remediation.Action, adopted.Remediation.Outcome));
        var branch = Git(fleet.Root, "branch", "--list", "--format=%(refname:short)", "driftfabric/*");
        Assert.StartsWith("driftfabric/adopt/adopt-policy-prod-web-", branch, StringComparison.Ordinal);
        Assert.Contains("replicas: 4", Git(fleet.Root, "show", $"{branch}:desired/app.yaml"), StringComparison.Ordinal);
        Assert.Equal(App, fleet.Read("desired/app.yaml"));
    }

    private static string Git(string directory, params string[] args) => Encoding.UTF8.GetString(GitBytes(directory, args)).Trim();

    /// <summary>What git writes, byte for byte.</summary>
    private static byte[] GitBytes(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var git = Process.Start(start)!;
        using var output = new MemoryStream();
        var error = git.StandardError.ReadToEndAsync();
        git.StandardOutput.BaseStream.CopyTo(output);
        git.WaitForExit();
        return git.ExitCode == 0 ? output.ToArray() : throw new InvalidOperationException($"git {string.Join(' ', args)}: {error.Result}");
    }
}
