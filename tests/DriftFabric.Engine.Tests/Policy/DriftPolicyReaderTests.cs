using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Policy;

namespace DriftFabric.Engine.Tests.Policy;

/// <summary>The drift policy of a fleet spec: managers, ignore rules and severity overrides; the fleet's topology is the sources' (Cli.Tests: FleetSpecReaderTests).</summary>
public class DriftPolicyReaderTests
{
    private const string Valid = """
        apiVersion: driftfabric.io/v1alpha1
        kind: Fleet
        defaultNamespace: shop
        managers:
          appliers: [ci-deployer, "flux-*"]
          controllers: [pilot-discovery]
        ignore:
        - path: /spec/replicas
          kind: apps/Deployment
          reason: HPA owns replicas
        - resource: core/ConfigMap/*/tmp-*
        severity:
        - kind: ConfigMap
          path: /data
          severity: low
        - namespace: payments
          driftKind: Added
          severity: critical
        """;

    [Fact]
    public void A_valid_spec_builds_the_policy()
    {
        var spec = DriftPolicyReader.Parse("driftfabric.yaml", Valid);

        Assert.Empty(spec.Errors);
        Assert.Equal("shop", spec.Policy.DefaultNamespace);
        Assert.Equal(2, spec.Policy.Ignore.Count);
        Assert.Equal("HPA owns replicas", spec.Policy.Ignore[0].Reason);
        Assert.Equal(2, spec.Policy.SeverityOverrides.Count);
        Assert.Equal(ManagerClass.Applier, spec.Policy.Managers.Classify("flux-image-automation", "Update", null));
        Assert.Equal(ManagerClass.Controller, spec.Policy.Managers.Classify("pilot-discovery", "Update", null));
        Assert.Equal(ManagerClass.OutOfBand, spec.Policy.Managers.Classify("kubectl-edit", "Update", null));
    }

    [Theory]
    [InlineData("ignore:\n- path: spec/replicas\n", 2, "ignore[0].path: 'spec/replicas' is not a drift path")]
    [InlineData("ignore:\n- pth: /spec/replicas\n", 2, "ignore[0].pth: unknown field")]
    [InlineData("ignore:\n- path: /a\n  kind: a/b/c\n", 3, "ignore[0].kind: 'a/b/c' is not Kind or group/Kind")]
    [InlineData("ignore:\n- reason: nothing to ignore\n", 2, "ignore[0]: an ignore rule needs a 'path'")]
    [InlineData("severity:\n- kind: Secret\n  severity: urgent\n", 3, "severity[0].severity: 'urgent' is not one of")]
    [InlineData("severity:\n- kind: Secret\n", 2, "severity[0].severity: is required")]
    [InlineData("severity:\n- driftKind: Changed\n  severity: low\n", 2, "severity[0].driftKind: 'Changed' is not one of")]
    [InlineData("managers:\n  appliers: ci\n", 2, "managers.appliers: must be a list")]
    [InlineData("ignore: [\n", 1, "")]
    public void Invalid_policies_name_file_line_and_field(string yaml, int line, string message)
    {
        var spec = DriftPolicyReader.Parse("fleet/driftfabric.yaml", yaml);

        var error = Assert.Single(spec.Errors);
        Assert.Equal("fleet/driftfabric.yaml", error.Source);
        Assert.Equal(line, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_rules_are_dropped_and_valid_ones_kept()
    {
        var spec = DriftPolicyReader.Parse("f.yaml", "ignore:\n- path: bad\n- path: /spec/replicas\n");
        Assert.Single(spec.Errors);
        Assert.Equal("/spec/replicas", Assert.Single(spec.Policy.Ignore).Path.Text);
    }

    [Fact]
    public void Extra_appliers_make_their_changes_part_of_the_code()
    {
        var spec = DriftPolicyReader.Parse("f.yaml", "managers:\n  appliers: [ci-deployer]\n");
        var live = Objects.Yaml.LiveDeployment(Objects.Yaml.Entry("ci-deployer", "f:spec:\n  f:minReadySeconds: {}"))
            .Swap("  progressDeadlineSeconds: 600", "  progressDeadlineSeconds: 600\n  minReadySeconds: 30");

        Assert.Single(Drifts.Of(Objects.Yaml.DesiredDeployment, live));
        Assert.Empty(Drifts.Of(Objects.Yaml.DesiredDeployment, live, spec.Policy));
    }

    [Fact]
    public void The_policy_text_keeps_the_policy_and_leaves_the_fleet_topology_out()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "examples", "driftfabric.yaml");
        var text = File.ReadAllText(path);

        var policyText = DriftPolicyReader.PolicyText(text);
        var policy = DriftPolicyReader.Parse("policy", policyText);

        Assert.Empty(policy.Errors);
        Assert.DoesNotContain("tenants", policyText, StringComparison.Ordinal);
        var full = DriftPolicyReader.Parse(path, text);
        Assert.Empty(full.Errors);
        Assert.Equal(full.Policy.Ignore.Count, policy.Policy.Ignore.Count);
        Assert.Equal(full.Policy.SeverityOverrides.Count, policy.Policy.SeverityOverrides.Count);
        Assert.Equal(full.Policy.DefaultNamespace, policy.Policy.DefaultNamespace);

        // Adding a cluster changes the topology, not the policy.
        var grown = text + "  - name: extra\n    desired: acme/prod-eu/desired\n    live: { snapshot: acme/prod-eu/live.json }\n";
        Assert.Equal(policyText, DriftPolicyReader.PolicyText(grown));
    }
}

/// <summary>Remediation policies in the fleet spec: selectors, action, rate limit; first match wins.</summary>
public class RemediationPolicyTests
{
    [Fact]
    public void Rules_select_by_tenant_kind_namespace_and_severity_and_the_first_that_matches_wins()
    {
        var spec = DriftPolicyReader.Parse("driftfabric.yaml", """
            remediation:
            - { tenant: acme, namespace: payments, action: notify }
            - { tenant: acme, kind: apps/Deployment, minSeverity: medium, action: revert, maxReverts: 2, window: 10m, backoff: 5s }
            """);

        Assert.Empty(spec.Errors);
        var deployment = new DriftFabric.Engine.Manifests.ResourceKey("apps", "Deployment", "shop", "web");
        var rule = spec.Policy.RemediationFor("acme", deployment, Severity.High);
        Assert.Equal((RemediationAction.Revert, 2, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(5)), (rule!.Action, rule.MaxReverts, rule.Window, rule.Backoff));
        Assert.Null(spec.Policy.RemediationFor("acme", deployment, Severity.Low));
        Assert.Null(spec.Policy.RemediationFor("globex", deployment, Severity.High));
        Assert.Equal(RemediationAction.Notify, spec.Policy.RemediationFor("acme", deployment with { Namespace = "payments" }, Severity.Critical)!.Action);
        // The policy travels with the policy text that services judge by.
        Assert.Contains("remediation", DriftPolicyReader.PolicyText("remediation:\n- { action: revert }\ntenants: []\n"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("- { kind: ConfigMap }", "remediation[0].action: is required (notify, revert or adopt)")]
    [InlineData("- { action: fix }", "remediation[0].action: 'fix' is not one of notify, revert, adopt")]
    [InlineData("- { action: adopt, window: 1x }", "remediation[0].window: '1x' is not a duration")]
    [InlineData("- { action: revert, maxReverts: 0 }", "remediation[0].maxReverts: must be a whole number from 1 to 1000")]
    [InlineData("- { action: revert, backoff: soon }", "remediation[0].backoff: 'soon' is not a duration")]
    [InlineData("- { action: revert, minSeverity: urgent }", "remediation[0].minSeverity: 'urgent' is not one of")]
    public void Invalid_rules_name_line_and_field(string rules, string message)
    {
        var spec = DriftPolicyReader.Parse("driftfabric.yaml", "remediation:\n" + rules + "\n");

        var error = Assert.Single(spec.Errors);
        Assert.Equal(2, error.Line);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Empty(spec.Policy.Remediation);
    }
}
