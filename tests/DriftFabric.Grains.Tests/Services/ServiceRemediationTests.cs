using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Engine.Comparison;
using DriftFabric.Grains.Services;

namespace DriftFabric.Grains.Tests.Services;

/// <summary>What a service hands its cluster's remediations and takes back from them, as plain logic.</summary>
public sealed class ServiceRemediationTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);
    private const string Web = "apps/Deployment/shop/web";
    private const string Api = "apps/Deployment/shop/api";
    private const string Config = "core/ConfigMap/shop/web";

    private static StoredDocument Doc(string key, string json, string source = "repo/app.yaml") =>
        StoredDocument.From(new ResourceDocument(key, Encoding.UTF8.GetBytes(json), source, 1));

    private static DriftRecord Drift(string resource, string path) =>
        new(resource, path, DriftKind.Modified, Severity.Medium, "2", "5", "kubectl-scale", null, Now, null);

    private static ServiceState State()
    {
        var drifts = new[] { Drift(Web, "/spec/replicas"), Drift(Web, "/metadata/labels/tier"), Drift(Api, "/spec/paused") };
        return new ServiceState
        {
            Desired = [Doc(Web, "{\"desired\":\"web\"}", "repo/web.yaml"), Doc(Config, "{\"desired\":\"config\"}")],
            Live = [Doc(Api, "{\"live\":\"api\"}"), Doc(Config, "{\"live\":\"config\"}"), Doc(Web, "{\"live\":\"web\"}")],
            Drifts = drifts.ToDictionary(d => d.Id, StringComparer.Ordinal),
        };
    }

    [Fact]
    public void Inputs_are_every_drifted_resource_by_key_with_its_documents_its_drifts_by_path_and_its_file()
    {
        var inputs = ServiceRemediation.Inputs(State(), resource: null);

        Assert.Equal([Api, Web], inputs.Select(i => i.Resource));
        var api = inputs[0];
        Assert.Null(api.Desired);
        Assert.Null(api.DesiredFile);
        Assert.Equal("{\"live\":\"api\"}", api.Live);
        var web = inputs[1];
        Assert.Equal("{\"desired\":\"web\"}", web.Desired);
        Assert.Equal("{\"live\":\"web\"}", web.Live);
        Assert.Equal("repo/web.yaml", web.DesiredFile);
        Assert.Equal(["/metadata/labels/tier", "/spec/replicas"], web.Drifts.Select(d => d.Path));
    }

    [Fact]
    public void A_resource_asked_for_by_name_is_handed_over_without_drifts_and_one_the_service_does_not_know_is_not()
    {
        var state = State();

        var config = Assert.Single(ServiceRemediation.Inputs(state, Config));
        Assert.Equal("{\"desired\":\"config\"}", config.Desired);
        Assert.Equal("{\"live\":\"config\"}", config.Live);
        Assert.Empty(config.Drifts);
        Assert.Empty(ServiceRemediation.Inputs(state, "core/Secret/shop/web"));
    }

    [Fact]
    public void What_was_done_is_recorded_as_remediated_for_each_drift_of_that_resource_only()
    {
        var note = new RemediationNote("policy", RemediationRequest.Revert, RemediationOutcome.Reverted, "reverted", []);

        var transitions = ServiceRemediation.Remediated(Web, note, State().Drifts.Values, Now);

        Assert.Equal(2, transitions.Count);
        Assert.All(transitions, t =>
        {
            Assert.Equal(DriftEventType.Remediated, t.Type);
            Assert.Equal(Web, t.Drift.Resource);
            Assert.Same(note, t.Remediation);
            Assert.Equal(Now, t.At);
        });
    }
}
