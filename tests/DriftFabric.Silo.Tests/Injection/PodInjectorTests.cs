using System.Text;
using System.Text.Json.Nodes;
using DriftFabric.Silo.Injection;
using DriftFabric.Sources.Fleet;
using k8s.Models;
using static DriftFabric.Silo.Tests.Injection.AdmissionReviews;

namespace DriftFabric.Silo.Tests.Injection;

public sealed class PodInjectorTests
{
    private static readonly AgentSidecar Native = new("registry.example/driftfabric-agent:1.2.3", new Uri("http://fabric.example:5080"), NativeSidecar: true);

    private static InjectionResult Review(string review, AgentSidecar? sidecar = null) =>
        new PodInjector(sidecar ?? Native).Review(Encoding.UTF8.GetBytes(review));

    [Fact]
    public void A_real_pod_gets_the_agent_as_a_native_sidecar_with_its_identity_and_limits()
    {
        var pod = NginxPod();
        var result = Review(AdmissionReviews.Review(pod));

        Assert.Equal(InjectionOutcome.Injected, result.Outcome);
        var response = Response(result.ResponseJson);
        Assert.Equal("705ab4f5-6393-11e8-b7cc-42010a800002", (string?)response["uid"]);
        var patch = Patch(response)!;
        Assert.DoesNotContain("managedFields", patch, StringComparison.Ordinal);
        Assert.DoesNotContain("f:spec", patch, StringComparison.Ordinal);
        var (_, patched) = Apply(pod, patch);

        Assert.Equal("injected", patched.Metadata.Annotations[PodInjector.StatusAnnotation]);
        Assert.Equal(["nginx"], patched.Spec.Containers.Select(c => c.Name));
        Assert.Equal("nginx:1.14.2", patched.Spec.Containers[0].Image);
        var agent = Assert.Single(patched.Spec.InitContainers);
        Assert.Equal("driftfabric-agent", agent.Name);
        Assert.Equal("Always", agent.RestartPolicy);
        Assert.Equal("registry.example/driftfabric-agent:1.2.3", agent.Image);
        Assert.Equal(["agent", "--server", "http://fabric.example:5080", "--interval", "10s"], agent.Args);

        var security = agent.SecurityContext;
        Assert.True(security.RunAsNonRoot);
        Assert.Equal(1654, security.RunAsUser);
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.True(security.ReadOnlyRootFilesystem);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.Equal("RuntimeDefault", security.SeccompProfile.Type);
        Assert.Equal("5m", agent.Resources.Requests["cpu"].ToString());
        Assert.Equal("16Mi", agent.Resources.Requests["memory"].ToString());
        Assert.Equal("32Mi", agent.Resources.Limits["memory"].ToString());
        Assert.False(agent.Resources.Limits.ContainsKey("cpu"));

        Assert.Equal(
            [("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace"), ("POD_UID", "metadata.uid")],
            agent.Env.Select(e => (e.Name, e.ValueFrom.FieldRef.FieldPath)));
        var token = Assert.Single(patched.Spec.Volumes);
        Assert.Equal("driftfabric-agent-token", token.Name);
        var projection = Assert.Single(token.Projected.Sources).ServiceAccountToken;
        Assert.Equal(("driftfabric", 3600L, "token"), (projection.Audience, projection.ExpirationSeconds, projection.Path));
        var mount = Assert.Single(agent.VolumeMounts);
        Assert.Equal(("driftfabric-agent-token", "/var/run/secrets/driftfabric", true), (mount.Name, mount.MountPath, mount.ReadOnlyProperty));
    }

    [Fact]
    public void The_agent_is_a_plain_container_for_a_cluster_older_than_1_29()
    {
        var pod = NginxPod();
        var result = Review(AdmissionReviews.Review(pod), Native with { NativeSidecar = false });

        var (_, patched) = Apply(pod, Patch(Response(result.ResponseJson))!);
        Assert.Null(patched.Spec.InitContainers);
        Assert.Equal(["nginx", "driftfabric-agent"], patched.Spec.Containers.Select(c => c.Name));
        Assert.Null(patched.Spec.Containers[1].RestartPolicy);
    }

    [Fact]
    public void Existing_init_containers_annotations_and_volumes_are_kept_and_the_apps_config_volumes_mounted_read_only()
    {
        var pod = NginxPodWithVolumes();
        var patch = Patch(Response(Review(AdmissionReviews.Review(pod)).ResponseJson))!;

        // The annotation's key holds a '/': escaped as ~1 in the pointer, or the patch would address a nested field.
        Assert.Contains("/metadata/annotations/driftfabric.io~1agent-status", patch, StringComparison.Ordinal);
        var (_, patched) = Apply(pod, patch);
        Assert.Equal("shop", patched.Metadata.Annotations["example.com/owner"]);
        Assert.Equal("injected", patched.Metadata.Annotations["driftfabric.io/agent-status"]);
        Assert.Equal(["wait", "driftfabric-agent"], patched.Spec.InitContainers.Select(c => c.Name));
        Assert.Equal(["nginx-conf", "tls", "bundle", "cache", "driftfabric-agent-token"], patched.Spec.Volumes.Select(v => v.Name));
        var agent = patched.Spec.InitContainers[1];
        Assert.Equal(
            [
                ("driftfabric-agent-token", "/var/run/secrets/driftfabric"),
                ("nginx-conf", "/var/run/driftfabric/volumes/nginx-conf"),
                ("tls", "/var/run/driftfabric/volumes/tls"),
                ("bundle", "/var/run/driftfabric/volumes/bundle"),
            ],
            agent.VolumeMounts.Select(m => (m.Name, m.MountPath)));
        Assert.All(agent.VolumeMounts, m => Assert.True(m.ReadOnlyProperty));
    }

    [Fact]
    public void A_second_pass_adds_nothing()
    {
        var pod = NginxPodWithVolumes();
        var (once, _) = Apply(pod, Patch(Response(Review(AdmissionReviews.Review(pod)).ResponseJson))!);

        var again = Review(AdmissionReviews.Review(once));

        Assert.Equal(InjectionOutcome.AlreadyInjected, again.Outcome);
        Assert.Null(Patch(Response(again.ResponseJson)));
    }

    [Fact]
    public void A_pod_that_already_runs_a_container_named_for_the_agent_is_left_alone()
    {
        var pod = NginxPod();
        pod["spec"]!["containers"]!.AsArray().Add(new JsonObject { ["name"] = "driftfabric-agent", ["image"] = "mine:1" });

        var result = Review(AdmissionReviews.Review(pod));

        Assert.Equal(InjectionOutcome.AlreadyInjected, result.Outcome);
        Assert.Null(Patch(Response(result.ResponseJson)));
    }

    [Fact]
    public void A_pod_labelled_inject_false_opts_out()
    {
        var pod = NginxPod();
        pod["metadata"]!["labels"]!["driftfabric.io/inject"] = "false";

        var result = Review(AdmissionReviews.Review(pod));

        Assert.Equal(InjectionOutcome.OptedOut, result.Outcome);
        var response = Response(result.ResponseJson);
        Assert.Null(Patch(response));
        Assert.Null(response["warnings"]);
    }

    [Theory]
    [InlineData("CREATE", "apps", "Deployment", "deployments")]
    [InlineData("UPDATE", "", "Pod", "pods")]
    [InlineData("DELETE", "", "Pod", "pods")]
    [InlineData("CREATE", "", "ConfigMap", "configmaps")]
    public void Anything_but_a_pod_being_created_is_allowed_untouched(string operation, string group, string kind, string resource)
    {
        var result = Review(AdmissionReviews.Review(NginxPod(), uid: "u-1", operation: operation, group: group, kind: kind, resource: resource));

        Assert.Equal(InjectionOutcome.NotAPodCreation, result.Outcome);
        var response = Response(result.ResponseJson);
        Assert.Equal("u-1", (string?)response["uid"]);
        Assert.Null(Patch(response));
        Assert.Null(response["warnings"]);
    }

    [Theory]
    [InlineData("{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionRev", "", "the review is not JSON")]
    [InlineData("[1, 2]", "", "the review has no request")]
    [InlineData("{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\"}", "", "the review has no request")]
    [InlineData("{\"request\": {\"kind\": {\"group\": \"\", \"version\": \"v1\", \"kind\": \"Pod\"}, \"operation\": \"CREATE\"}}", "", "the review's request has no uid")]
    [InlineData("{\"request\": {\"uid\": \"u-2\", \"kind\": {\"group\": \"\", \"version\": \"v1\", \"kind\": \"Pod\"}, \"operation\": \"CREATE\", \"object\": \"a pod\"}}", "u-2", "the review's object is not a pod")]
    [InlineData("{\"request\": {\"uid\": \"u-3\", \"kind\": {\"group\": \"\", \"version\": \"v1\", \"kind\": \"Pod\"}, \"operation\": \"CREATE\", \"object\": {\"metadata\": {\"name\": \"p\"}, \"spec\": {\"containers\": []}}}}", "u-3", "the review's object is not a pod with containers")]
    [InlineData("{\"request\": {\"uid\": \"u-4\", \"kind\": {\"group\": \"\", \"version\": \"v1\", \"kind\": \"Pod\"}, \"operation\": \"CREATE\", \"object\": {\"spec\": {\"containers\": \"nginx\"}}}}", "u-4", "the review's object is not a pod")]
    public void A_malformed_review_is_allowed_with_a_warning_naming_what_was_wrong(string review, string uid, string problem)
    {
        var result = Review(review);

        Assert.Equal(InjectionOutcome.Malformed, result.Outcome);
        Assert.Equal(problem, result.Problem);
        var response = Response(result.ResponseJson);
        Assert.Equal(uid, (string?)response["uid"]);
        Assert.Null(Patch(response));
        var warning = (string?)Assert.Single(response["warnings"]!.AsArray());
        Assert.Equal($"driftfabric injector: {problem}; admitted without the agent", warning);
    }

    [Theory]
    [InlineData("driftfabric.io/agent-status", "driftfabric.io~1agent-status")]
    [InlineData("a~b/c", "a~0b~1c")]
    [InlineData("~1", "~01")]
    public void Pointer_tokens_escape_tilde_before_slash(string token, string escaped) =>
        Assert.Equal(escaped, PodInjector.EscapePointer(token));

    private const string FleetHead = """
        apiVersion: driftfabric.io/v1alpha1
        kind: Fleet
        tenants:
        - name: acme
          clusters:

        """;

    [Theory]
    [InlineData("", null, true, "acme/home")]
    [InlineData("    kubernetesVersion: \"1.28\"\n", null, false, "acme/home")]
    [InlineData("    kubernetesVersion: \"v1.29.4\"\n", null, true, "acme/home")]
    [InlineData("    kubernetesVersion: \"1.27\"\n", "acme/remote", true, "acme/remote")]
    public void The_served_clusters_version_decides_native_sidecars(string homeVersion, string? named, bool native, string? cluster)
    {
        var fleet = FleetSpecReader.Parse(
            "driftfabric.yaml",
            FleetHead + "  - name: home\n    desired: desired\n    live: { inCluster: true }\n" + homeVersion + "  - name: remote\n    desired: desired\n    live: { snapshot: live.json }\n");
        Assert.Empty(fleet.Errors);

        var sidecar = InjectEndpoint.Sidecar(new WebhookOptions { Cluster = named }, fleet, out var error, out var served);

        Assert.Null(error);
        Assert.Equal(native, sidecar!.NativeSidecar);
        Assert.Equal(cluster, served);
    }

    [Fact]
    public void A_webhook_cluster_the_fleet_does_not_declare_is_refused_in_one_line()
    {
        var fleet = FleetSpecReader.Parse("driftfabric.yaml", FleetHead + "  - name: home\n    desired: d\n    live: { inCluster: true }\n");

        Assert.Null(InjectEndpoint.Sidecar(new WebhookOptions { Cluster = "acme/elsewhere" }, fleet, out var error, out _));
        Assert.Equal("webhook: DRIFTFABRIC__WEBHOOK__CLUSTER names 'acme/elsewhere', which the fleet spec does not declare (tenant/cluster)", error);
    }

    [Theory]
    [InlineData("1.28", "driftfabric.yaml:9: tenants[0].clusters[0].kubernetesVersion: must be a quoted MAJOR.MINOR such as \"1.28\": unquoted, YAML reads it as the number 1.28")]
    [InlineData("\"one\"", "driftfabric.yaml:9: tenants[0].clusters[0].kubernetesVersion: must be a quoted MAJOR.MINOR such as \"1.28\"")]
    public void A_kubernetes_version_that_is_not_a_quoted_minor_version_is_an_error_naming_the_line(string value, string error)
    {
        var fleet = FleetSpecReader.Parse("driftfabric.yaml", FleetHead + $"  - name: home\n    desired: d\n    live: {{ inCluster: true }}\n    kubernetesVersion: {value}\n");

        Assert.Equal(error, Assert.Single(fleet.Errors).ToString());
    }
}
