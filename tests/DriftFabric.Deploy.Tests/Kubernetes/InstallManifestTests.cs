using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using DriftFabric.Abstractions;
using DriftFabric.Sources.Fleet;
using k8s;
using k8s.Models;

namespace DriftFabric.Deploy.Tests.Kubernetes;

/// <summary>
/// <c>deploy/kubernetes</c> rendered by the real <c>kubectl kustomize</c> (each overlay alone and
/// with the components), every object read into KubernetesClient's typed models with unknown fields
/// refused, and checked: the restricted Pod Security Standard, probes, resources, images, Secrets,
/// the fleet spec, and what each overlay and component promises.
/// </summary>
public sealed partial class InstallManifestTests
{
    private static readonly ConcurrentDictionary<string, Task<Install>> Renders = new(StringComparer.Ordinal);

    /// <summary>Every install a user can make from the folder: both overlays, alone and with the components.</summary>
    public static TheoryData<string> Installs => new()
    {
        "quickstart",
        "ha",
        "quickstart+remediation+metrics",
        "ha+remediation+metrics",
        "ha+remediation+metrics+remote-cluster-example",
        "quickstart+remote-cluster-example",
        "quickstart+injector",
        "ha+remediation+metrics+injector",
    };

    private const string SiloImage = "ghcr.io/driftfabric/driftfabric";
    private const string RedisImage = "docker.io/library/redis";
    private const int ApiPort = 5080;

    private static Task<Install> RenderAsync(string install) => Renders.GetOrAdd(install, key =>
    {
        var parts = key.Split('+');
        return Install.RenderAsync(parts[0], parts[1..]);
    });

    [Theory]
    [MemberData(nameof(Installs))]
    public async Task Every_object_reads_strictly_into_its_typed_model_once(string install)
    {
        var objects = (await RenderAsync(install)).Objects;

        Assert.NotEmpty(objects);
        var keys = objects.Select(o => $"{o.ApiVersion} {o.Kind} {o.Metadata.NamespaceProperty}/{o.Metadata.Name}").ToList();
        Assert.Equal(keys.Distinct().Count(), keys.Count);
    }

    [Theory]
    [MemberData(nameof(Installs))]
    public async Task Every_pod_passes_the_restricted_pod_security_standard_on_a_read_only_root(string install)
    {
        var templates = (await RenderAsync(install)).PodTemplates.ToList();

        Assert.NotEmpty(templates);
        foreach (var (workload, template) in templates)
        {
            Assert.True(PodSecurityRestricted.Violations(template.Spec) is [], $"{install} {workload}: {string.Join("; ", PodSecurityRestricted.Violations(template.Spec))}");

            // Beyond the profile, the install's own rule: nothing writes to the image's files.
            Assert.All(template.Spec.Containers, c => Assert.True(c.SecurityContext?.ReadOnlyRootFilesystem, $"{install} {workload} {c.Name}: root filesystem writable"));
        }
    }

    [Theory]
    [MemberData(nameof(Installs))]
    public async Task Every_container_has_cpu_and_memory_requests_and_limits(string install)
    {
        foreach (var (workload, template) in (await RenderAsync(install)).PodTemplates)
        {
            foreach (var container in (template.Spec.InitContainers ?? []).Concat(template.Spec.Containers))
            {
                foreach (var (what, quantities) in new[] { ("requests", container.Resources?.Requests), ("limits", container.Resources?.Limits) })
                {
                    Assert.True(quantities is not null && quantities.ContainsKey("cpu") && quantities.ContainsKey("memory"), $"{install} {workload} {container.Name}: no cpu and memory {what}");
                }

                Assert.True(container.Resources!.Requests["memory"].ToDecimal() <= container.Resources.Limits["memory"].ToDecimal(), $"{install} {workload} {container.Name}: memory request over its limit");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Installs))]
    public async Task Every_image_is_driftfabric_or_the_pinned_redis_with_a_tag_never_latest(string install)
    {
        foreach (var (workload, template) in (await RenderAsync(install)).PodTemplates)
        {
            foreach (var container in (template.Spec.InitContainers ?? []).Concat(template.Spec.Containers))
            {
                var match = ImageReference().Match(container.Image);
                Assert.True(match.Success, $"{install} {workload} {container.Name}: '{container.Image}' names no tag or digest");
                Assert.Contains(match.Groups["repository"].Value, new[] { SiloImage, RedisImage });
                Assert.NotEqual("latest", match.Groups["tag"].Value);
            }
        }

        Assert.StartsWith(SiloImage + ":", (await RenderAsync(install)).SiloContainer.Image, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Installs))]
    public async Task The_silo_is_probed_on_healthz_and_readyz_at_the_port_its_api_listens_on(string install)
    {
        var silo = (await RenderAsync(install)).SiloContainer;

        var apiPort = silo.Ports.Single(p => p.Name == "api").ContainerPort;
        Assert.Equal(ApiPort, apiPort);
        Assert.Equal(("0.0.0.0", ApiPort.ToString(System.Globalization.CultureInfo.InvariantCulture)), (Env(silo, "DRIFTFABRIC__APIADDRESS"), Env(silo, "DRIFTFABRIC__APIPORT")));
        foreach (var (probe, path) in new[] { (silo.LivenessProbe, "/healthz"), (silo.ReadinessProbe, "/readyz"), (silo.StartupProbe, "/healthz") })
        {
            Assert.NotNull(probe?.HttpGet);
            Assert.Equal(path, probe.HttpGet.Path);
            Assert.Equal(apiPort, PortNumber(silo, probe.HttpGet.Port));
        }
    }

    [Theory]
    [MemberData(nameof(Installs))]
    public async Task The_silo_runs_in_namespace_driftfabric_as_service_account_driftfabric_with_its_token(string install)
    {
        var rendered = await RenderAsync(install);
        var pod = rendered.Silo.Spec.Template.Spec;

        Assert.Equal("driftfabric", rendered.Silo.Metadata.NamespaceProperty);
        Assert.Equal("driftfabric", pod.ServiceAccountName);
        Assert.True(pod.AutomountServiceAccountToken);
        Assert.Equal("driftfabric", rendered.One<V1ServiceAccount>("driftfabric").Metadata.NamespaceProperty);
        Assert.Equal("restricted", rendered.One<V1Namespace>("driftfabric").Metadata.Labels["pod-security.kubernetes.io/enforce"]);
        foreach (var binding in rendered.All<V1RoleBinding>())
        {
            Assert.Equal(("ServiceAccount", "driftfabric", "driftfabric"), (binding.Subjects.Single().Kind, binding.Subjects.Single().Name, binding.Subjects.Single().NamespaceProperty));
        }
    }

    [Theory]
    [MemberData(nameof(Installs))]
    public async Task Every_Secret_a_pod_needs_is_generated_optional_or_created_by_the_install_guide(string install)
    {
        var rendered = await RenderAsync(install);
        // Generated by the install, or written by cert-manager for a Certificate of the install.
        var generated = rendered.All<V1Secret>().Select(s => s.Metadata.Name)
            .Concat(rendered.All<CertManagerCertificate>().Select(c => c.Spec.SecretName)).ToHashSet(StringComparer.Ordinal);
        var guide = File.ReadAllText(RepositoryRoot.Combine("docs", "kubernetes-install.md"));
        var created = CreatedSecret().Matches(guide).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

        foreach (var (workload, template) in rendered.PodTemplates)
        {
            var needed = template.Spec.Containers.SelectMany(c => c.Env ?? []).Select(e => e.ValueFrom?.SecretKeyRef).OfType<V1SecretKeySelector>()
                .Where(s => s.Optional != true).Select(s => s.Name)
                .Concat(template.Spec.Containers.SelectMany(c => c.EnvFrom ?? []).Select(e => e.SecretRef).OfType<V1SecretEnvSource>().Where(s => s.Optional != true).Select(s => s.Name))
                .Concat((template.Spec.Volumes ?? []).Select(v => v.Secret).OfType<V1SecretVolumeSource>().Where(s => s.Optional != true).Select(s => s.SecretName));
            foreach (var secret in needed)
            {
                Assert.True(generated.Contains(secret) || created.Contains(secret), $"{install} {workload}: Secret {secret} is neither generated, optional, nor created in docs/kubernetes-install.md");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Installs))]
    public async Task The_fleet_ConfigMap_loads_with_the_silos_reader_from_where_the_silo_looks(string install)
    {
        var rendered = await RenderAsync(install);
        var silo = rendered.SiloContainer;
        var fleet = rendered.One<V1ConfigMap>("driftfabric-fleet");

        var spec = FleetSpecReader.Parse("driftfabric-fleet", fleet.Data["driftfabric.yaml"]);

        Assert.Empty(spec.Errors);
        Assert.Contains(spec.Tenants.SelectMany(t => t.Clusters), c => c is { Name: "local", Kube.InCluster: true });
        var volume = rendered.Silo.Spec.Template.Spec.Volumes.Single(v => v.ConfigMap?.Name == "driftfabric-fleet");
        var mount = silo.VolumeMounts.Single(m => m.Name == volume.Name);
        Assert.Equal(mount.MountPath.TrimEnd('/') + "/driftfabric.yaml", Env(silo, "DRIFTFABRIC__FLEET"));
        Assert.True(mount.ReadOnlyProperty);
    }

    [Fact]
    public async Task The_base_fleet_spec_watches_its_own_cluster_against_online_boutique_at_the_commit_the_test_data_copies()
    {
        var spec = FleetSpecReader.Load(Path.Combine(Install.KubernetesDirectory, "base", "fleet.yaml"));
        var testData = await File.ReadAllTextAsync(RepositoryRoot.Combine("tests", "TestData", "kustomize", "README.md"));

        Assert.Empty(spec.Errors);
        var tenant = Assert.Single(spec.Tenants);
        var cluster = Assert.Single(tenant.Clusters);
        Assert.Equal(("default", "local", "default", true), (tenant.Name, cluster.Name, cluster.DefaultNamespace, cluster.Kube?.InCluster));
        Assert.Equal(("https://github.com/GoogleCloudPlatform/microservices-demo.git", "kustomize/base", TimeSpan.FromMinutes(1)), (cluster.Git!.Url, cluster.Git.Path, cluster.Git.Interval));
        Assert.Matches("^[0-9a-f]{40}$", cluster.Git.Ref);
        Assert.Contains($"(commit `{cluster.Git.Ref}`", testData, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quickstart_is_one_embedded_silo_whose_digest_key_comes_from_a_Secret()
    {
        var rendered = await RenderAsync("quickstart");
        var silo = rendered.SiloContainer;

        Assert.Equal(1, rendered.Silo.Spec.Replicas);
        Assert.Equal("Recreate", rendered.Silo.Spec.Strategy.Type);
        Assert.Null(Env(silo, "DRIFTFABRIC__REDIS"));
        Assert.Empty(rendered.All<V1StatefulSet>());
        var keyFile = Env(silo, "DRIFTFABRIC__SECRETDIGEST__KEYFILE")!;
        var mount = silo.VolumeMounts.Single(m => keyFile.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        var secret = rendered.Silo.Spec.Template.Spec.Volumes.Single(v => v.Name == mount.Name).Secret;
        Assert.Equal(("driftfabric-secret-digest", (bool?)null), (secret.SecretName, secret.Optional));
        Assert.Equal("key", Path.GetFileName(keyFile));
    }

    [Fact]
    public async Task Ha_is_three_silos_on_Redis_with_Kubernetes_hosting_a_disruption_budget_and_anti_affinity()
    {
        var rendered = await RenderAsync("ha");
        var deployment = rendered.Silo;
        var pod = deployment.Spec.Template;
        var silo = rendered.SiloContainer;

        Assert.Equal(3, deployment.Spec.Replicas);
        Assert.Equal((1, 0), (int.Parse(deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(deployment.Spec.Strategy.RollingUpdate.MaxSurge.Value, System.Globalization.CultureInfo.InvariantCulture)));

        var budget = rendered.One<V1PodDisruptionBudget>("driftfabric");
        Assert.Equal("2", budget.Spec.MinAvailable.Value);
        Assert.True(Selects(budget.Spec.Selector, pod.Metadata.Labels));

        var term = Assert.Single(pod.Spec.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution).PodAffinityTerm;
        Assert.Equal("kubernetes.io/hostname", term.TopologyKey);
        Assert.True(Selects(term.LabelSelector, pod.Metadata.Labels));

        // Orleans' Kubernetes hosting: the fabric's ids as pod labels, the downward API's variables.
        Assert.Equal(FabricDefaults.FabricId, pod.Metadata.Labels["orleans/serviceId"]);
        Assert.Equal(FabricDefaults.FabricId, pod.Metadata.Labels["orleans/clusterId"]);
        Assert.Equal("true", Env(silo, "DRIFTFABRIC__KUBERNETESHOSTING"));
        var downward = silo.Env.Where(e => e.ValueFrom?.FieldRef is not null).ToDictionary(e => e.Name, e => e.ValueFrom.FieldRef.FieldPath, StringComparer.Ordinal);
        Assert.Equal(new Dictionary<string, string> { ["POD_NAME"] = "metadata.name", ["POD_NAMESPACE"] = "metadata.namespace", ["POD_IP"] = "status.podIP" }, downward);

        // Its Role: pods in the silos' namespace, read and label, never delete.
        var role = rendered.One<V1Role>("driftfabric-orleans-hosting");
        Assert.Equal("driftfabric", role.Metadata.NamespaceProperty);
        var rule = Assert.Single(role.Rules);
        Assert.Equal([string.Empty], rule.ApiGroups);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(["get", "list", "patch", "watch"], rule.Verbs.Order(StringComparer.Ordinal));
        Assert.Equal(role.Metadata.Name, rendered.One<V1RoleBinding>("driftfabric-orleans-hosting").RoleRef.Name);

        // --redis from the generated Secret, naming the Service of the Redis the overlay ships.
        var redisRef = silo.Env.Single(e => e.Name == "DRIFTFABRIC__REDIS").ValueFrom.SecretKeyRef;
        var connection = System.Text.Encoding.UTF8.GetString(rendered.One<V1Secret>(redisRef.Name).Data[redisRef.Key]);
        var redisService = rendered.One<V1Service>("driftfabric-redis");
        Assert.Equal($"{redisService.Metadata.Name}.{redisService.Metadata.NamespaceProperty}.svc:{redisService.Spec.Ports.Single().Port}", connection);
    }

    [Fact]
    public async Task Ha_Redis_keeps_an_append_only_file_on_a_claim_and_admits_only_the_silos()
    {
        var rendered = await RenderAsync("ha");
        var redis = rendered.One<V1StatefulSet>("driftfabric-redis");
        var container = redis.Spec.Template.Spec.Containers.Single();
        var silo = rendered.Silo.Spec.Template.Metadata.Labels;

        Assert.Equal(1, redis.Spec.Replicas);
        Assert.Equal(["--appendonly", "yes"], container.Args.Take(2));
        var claim = Assert.Single(redis.Spec.VolumeClaimTemplates);
        Assert.Equal(container.Args[container.Args.IndexOf("--dir") + 1], container.VolumeMounts.Single(m => m.Name == claim.Metadata.Name).MountPath);
        Assert.True(Selects(rendered.One<V1Service>("driftfabric-redis").Spec.Selector, redis.Spec.Template.Metadata.Labels));

        var policy = rendered.One<V1NetworkPolicy>("driftfabric-redis");
        Assert.True(Selects(policy.Spec.PodSelector, redis.Spec.Template.Metadata.Labels));
        var ingress = Assert.Single(policy.Spec.Ingress);
        Assert.Equal("6379", Assert.Single(ingress.Ports).Port.Value);
        Assert.True(Selects(Assert.Single(ingress.FromProperty).PodSelector, silo));
        Assert.Empty(policy.Spec.Egress);
    }

    [Theory]
    [InlineData("quickstart")]
    [InlineData("ha")]
    public async Task The_network_policies_admit_the_ports_the_silo_serves_and_the_egress_it_needs(string overlay)
    {
        var rendered = await RenderAsync(overlay);
        var silo = rendered.Silo.Spec.Template.Metadata.Labels;
        var policies = rendered.All<V1NetworkPolicy>().Where(p => Selects(p.Spec.PodSelector, silo)).ToList();

        var ingressPorts = policies.SelectMany(p => p.Spec.Ingress ?? []).SelectMany(r => r.Ports).Select(p => p.Port.Value).ToHashSet(StringComparer.Ordinal);
        var egressPorts = policies.SelectMany(p => p.Spec.Egress ?? []).SelectMany(r => r.Ports).Select(p => p.Port.Value).ToHashSet(StringComparer.Ordinal);
        foreach (var port in rendered.SiloContainer.Ports)
        {
            Assert.Contains(port.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), ingressPorts);
        }

        Assert.Superset(new HashSet<string>(["53", "443", "11111", "30000"], StringComparer.Ordinal), egressPorts);
        Assert.Equal(overlay == "ha", egressPorts.Contains("6379"));
    }

    [Theory]
    [InlineData("quickstart")]
    [InlineData("ha")]
    public async Task The_remediation_component_adds_only_write_rules_and_a_write_token(string overlay)
    {
        var without = await RenderAsync(overlay);
        var with = await RenderAsync(overlay + "+remediation");

        var before = Rules(without).ToHashSet(StringComparer.Ordinal);
        var added = Rules(with).Where(r => !before.Contains(r)).ToList();
        Assert.NotEmpty(added);
        Assert.All(added, r => Assert.Matches(@"verb=(create|update|patch|delete)$", r));
        Assert.Empty(before.Except(Rules(with), StringComparer.Ordinal));

        var scopes = with.SiloContainer.Env.Where(e => e.Name.StartsWith("DRIFTFABRIC__API__TOKENS__1__SCOPES__", StringComparison.Ordinal)).Select(e => e.Value);
        Assert.Contains("write", scopes);
        Assert.DoesNotContain(without.SiloContainer.Env, e => e.Value == "write");
    }

    [Theory]
    [InlineData("quickstart")]
    [InlineData("ha")]
    public async Task The_metrics_component_adds_a_ServiceMonitor_scraping_metrics_from_the_silos_Service(string overlay)
    {
        var rendered = await RenderAsync(overlay + "+metrics");
        var service = rendered.One<V1Service>("driftfabric");

        var monitor = rendered.One<ServiceMonitor>("driftfabric");
        Assert.Empty((await RenderAsync(overlay)).All<ServiceMonitor>());
        Assert.True(Selects(monitor.Spec.Selector, service.Metadata.Labels));
        Assert.Contains(service.Metadata.NamespaceProperty, monitor.Spec.NamespaceSelector!.MatchNames!);
        var endpoint = Assert.Single(monitor.Spec.Endpoints);
        Assert.Equal("/metrics", endpoint.Path);
        var port = service.Spec.Ports.Single(p => p.Name == endpoint.Port);
        Assert.Equal(ApiPort, PortNumber(rendered.SiloContainer, port.TargetPort));

        var scrape = rendered.One<V1NetworkPolicy>("driftfabric-metrics");
        Assert.Equal(ApiPort.ToString(System.Globalization.CultureInfo.InvariantCulture), scrape.Spec.Ingress.Single().Ports.Single().Port.Value);
    }

    [Theory]
    [InlineData("quickstart")]
    [InlineData("ha")]
    public async Task The_injector_component_sends_pod_creations_of_labelled_namespaces_to_the_silos_webhook_port_over_cert_managers_certificate(string overlay)
    {
        Assert.Empty((await RenderAsync(overlay)).All<V1MutatingWebhookConfiguration>());
        var rendered = await RenderAsync(overlay == "ha" ? "ha+remediation+metrics+injector" : "quickstart+injector");
        var silo = rendered.SiloContainer;
        var configuration = Assert.Single(rendered.All<V1MutatingWebhookConfiguration>());
        var webhook = Assert.Single(configuration.Webhooks);

        // Never blocks a pod, never writes elsewhere, only pods being created, only where asked.
        Assert.Equal(("Ignore", "None"), (webhook.FailurePolicy, webhook.SideEffects));
        Assert.Equal(["v1"], webhook.AdmissionReviewVersions);
        Assert.InRange(webhook.TimeoutSeconds ?? 10, 1, 10);
        var rule = Assert.Single(webhook.Rules);
        Assert.Equal(["CREATE", "", "v1", "pods"], new[] { rule.Operations, rule.ApiGroups, rule.ApiVersions, rule.Resources }.Select(l => Assert.Single(l)));
        Assert.Equal("enabled", webhook.NamespaceSelector.MatchLabels["driftfabric.io/inject"]);
        var optOut = Assert.Single(webhook.ObjectSelector.MatchExpressions);
        Assert.Equal(("driftfabric.io/inject", "NotIn", "false"), (optOut.Key, optOut.OperatorProperty, Assert.Single(optOut.Values)));

        // The Service it calls reaches the silo's webhook port, where the silo listens.
        var target = webhook.ClientConfig.Service;
        Assert.Equal("/inject", target.Path);
        var service = rendered.One<V1Service>(target.Name);
        Assert.Equal(target.NamespaceProperty, service.Metadata.NamespaceProperty);
        Assert.True(Selects(new V1LabelSelector { MatchLabels = service.Spec.Selector }, rendered.Silo.Spec.Template.Metadata.Labels));
        var port = service.Spec.Ports.Single(p => p.Port == (target.Port ?? 443));
        var webhookPort = PortNumber(silo, port.TargetPort);
        Assert.Equal(webhookPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Env(silo, "DRIFTFABRIC__WEBHOOKPORT"));
        Assert.Equal("0.0.0.0", Env(silo, "DRIFTFABRIC__WEBHOOKADDRESS"));
        var admitted = rendered.All<V1NetworkPolicy>().Where(p => Selects(p.Spec.PodSelector, rendered.Silo.Spec.Template.Metadata.Labels))
            .SelectMany(p => p.Spec.Ingress ?? []).SelectMany(r => r.Ports).Select(p => p.Port.Value);
        Assert.Contains(webhookPort.ToString(System.Globalization.CultureInfo.InvariantCulture), admitted);

        // cert-manager's certificate for the Service's name, in the Secret the silo mounts and reads,
        // and its CA injected into the configuration.
        var certificate = rendered.One<CertManagerCertificate>("driftfabric-webhook");
        Assert.Equal($"{certificate.Metadata.NamespaceProperty}/{certificate.Metadata.Name}", configuration.Metadata.Annotations["cert-manager.io/inject-ca-from"]);
        Assert.Contains($"{service.Metadata.Name}.{service.Metadata.NamespaceProperty}.svc", certificate.Spec.DnsNames);
        Assert.NotNull(rendered.One<CertManagerIssuer>(certificate.Spec.IssuerRef.Name).Spec.SelfSigned);
        var volume = rendered.Silo.Spec.Template.Spec.Volumes.Single(v => v.Secret?.SecretName == certificate.Spec.SecretName);
        var mount = silo.VolumeMounts.Single(m => m.Name == volume.Name);
        Assert.True(mount.ReadOnlyProperty);
        Assert.Equal(mount.MountPath + "/tls.crt", Env(silo, "DRIFTFABRIC__WEBHOOK__CERTFILE"));
        Assert.Equal(mount.MountPath + "/tls.key", Env(silo, "DRIFTFABRIC__WEBHOOK__KEYFILE"));
    }

    [Fact]
    public async Task The_remote_cluster_example_mounts_the_kubeconfig_its_fleet_names()
    {
        var rendered = await RenderAsync("ha+remediation+metrics+remote-cluster-example");
        var spec = FleetSpecReader.Parse("driftfabric-fleet", rendered.One<V1ConfigMap>("driftfabric-fleet").Data["driftfabric.yaml"]);

        var remote = spec.Tenants.SelectMany(t => t.Clusters).Single(c => c.Name == "prod-eu");
        Assert.Equal("/etc/driftfabric/clusters/prod-eu/kubeconfig", remote.Kube!.Kubeconfig);
        var mount = rendered.SiloContainer.VolumeMounts.Single(m => m.MountPath == "/etc/driftfabric/clusters/prod-eu");
        var secret = rendered.Silo.Spec.Template.Spec.Volumes.Single(v => v.Name == mount.Name).Secret;
        Assert.Equal("driftfabric-cluster-prod-eu", secret.SecretName);
    }

    [Fact]
    public async Task An_external_Redis_replaces_the_shipped_one_as_the_install_guide_says()
    {
        var rendered = await Install.RenderOwnAsync("ha with an external Redis", """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
            - {kubernetes}/overlays/ha
            secretGenerator:
            - name: driftfabric-redis
              namespace: driftfabric
              behavior: replace
              literals:
              - connection=redis.example.com:6380,ssl=true
            patches:
            - target: { kind: StatefulSet, name: driftfabric-redis }
              patch: '[{"op": "add", "path": "/metadata/annotations", "value": {"config.kubernetes.io/local-config": "true"}}]'
            - target: { kind: Service, name: driftfabric-redis }
              patch: '[{"op": "add", "path": "/metadata/annotations", "value": {"config.kubernetes.io/local-config": "true"}}]'
            """);

        Assert.Empty(rendered.All<V1StatefulSet>());
        Assert.DoesNotContain(rendered.All<V1Service>(), s => s.Metadata.Name == "driftfabric-redis");
        var redisRef = rendered.SiloContainer.Env.Single(e => e.Name == "DRIFTFABRIC__REDIS").ValueFrom.SecretKeyRef;
        Assert.Equal("redis.example.com:6380,ssl=true", System.Text.Encoding.UTF8.GetString(rendered.One<V1Secret>(redisRef.Name).Data[redisRef.Key]));
        Assert.Contains("patch: '[{\"op\": \"add\", \"path\": \"/metadata/annotations\", \"value\": {\"config.kubernetes.io/local-config\": \"true\"}}]'", await File.ReadAllTextAsync(RepositoryRoot.Combine("docs", "kubernetes-install.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_the_model_does_not_have_is_refused_not_dropped()
    {
        const string Typo = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: driftfabric
            spec:
              replica: 3
              selector:
                matchLabels: { app: x }
              template:
                metadata:
                  labels: { app: x }
                spec:
                  containers:
                  - name: silo
                    image: ghcr.io/driftfabric/driftfabric:1
            """;
        const string MonitorTypo = """
            apiVersion: monitoring.coreos.com/v1
            kind: ServiceMonitor
            metadata:
              name: driftfabric
            spec:
              selector: {}
              endpoint:
              - port: http-api
            """;

        Assert.Null(KubernetesYaml.Deserialize<V1Deployment>(Typo).Spec.Replicas);
        Assert.Contains("replica", Assert.ThrowsAny<Exception>(() => Install.Read("typo", Typo)).ToString(), StringComparison.Ordinal);
        Assert.Contains("endpoint", Assert.ThrowsAny<Exception>(() => Install.Read("typo", MonitorTypo)).ToString(), StringComparison.Ordinal);
        Assert.Contains("no model for v1 Pod", Assert.Throws<InvalidOperationException>(() => Install.Read("pod", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_restricted_check_finds_what_the_standard_refuses()
    {
        var pod = new V1PodSpec
        {
            HostNetwork = true,
            Volumes = [new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = "/var/run" } }],
            Containers =
            [
                new V1Container
                {
                    Name = "root",
                    Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = 80 }],
                    SecurityContext = new V1SecurityContext { Privileged = true, RunAsUser = 0, Capabilities = new V1Capabilities { Add = ["SYS_ADMIN"] } },
                },
            ],
        };

        var found = string.Join("\n", PodSecurityRestricted.Violations(pod));

        foreach (var expected in new[] { "host namespaces", "type hostPath", "privileged", "hostPort 80", "allowPrivilegeEscalation", "runAsNonRoot", "runAsUser must not be 0", "seccompProfile", "drop ALL", "SYS_ADMIN" })
        {
            Assert.Contains(expected, found, StringComparison.Ordinal);
        }
    }

    /// <summary>Every RBAC rule of an install, one line per (role, group, resource, verb).</summary>
    private static IEnumerable<string> Rules(Install install) =>
        install.All<V1Role>().Select(r => (Role: $"Role {r.Metadata.NamespaceProperty}/{r.Metadata.Name}", Rules: r.Rules))
            .Concat(install.All<V1ClusterRole>().Select(r => (Role: $"ClusterRole {r.Metadata.Name}", Rules: r.Rules ?? [])))
            .SelectMany(r => r.Rules.SelectMany(rule =>
                from g in rule.ApiGroups ?? [string.Empty]
                from resource in rule.Resources ?? []
                from verb in rule.Verbs
                select $"{r.Role} group={g} resource={resource} verb={verb}"));

    private static string? Env(V1Container container, string name) => container.Env?.SingleOrDefault(e => e.Name == name)?.Value;

    private static int PortNumber(V1Container container, IntOrString port) =>
        int.TryParse(port.Value, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : container.Ports.Single(p => p.Name == port.Value).ContainerPort;

    private static bool Selects(V1LabelSelector selector, IDictionary<string, string> labels) =>
        selector.MatchExpressions is null or [] && Selects(selector.MatchLabels, labels);

    private static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string> labels) =>
        selector is { Count: > 0 } && selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);

    /// <summary>An image reference with a tag or a digest: a bare repository does not match.</summary>
    [GeneratedRegex(@"^(?<repository>[a-z0-9.\-/]+?)(?::(?<tag>[\w.\-]+)(?:@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})$")]
    private static partial Regex ImageReference();

    [GeneratedRegex(@"create secret generic (?<name>[a-z0-9\-]+)")]
    private static partial Regex CreatedSecret();
}
