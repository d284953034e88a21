using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Paths;
using DriftFabric.Engine.Policy;

namespace DriftFabric.Engine.Tests.Comparison;

/// <summary>
/// Ports are keyed by number and protocol, as the API server keys them (drift semantics v2,
/// section 2): DNS on 53/TCP and 53/UDP are two elements; a path names the number alone for
/// TCP and adds the protocol otherwise.
/// </summary>
public class PortKeyTests
{
    private const string DesiredDns = """
        apiVersion: v1
        kind: Service
        metadata: {name: dns, namespace: shop}
        spec:
          selector: {app: dns}
          ports:
          - {name: dns-tcp, port: 53, targetPort: 5353}
          - {name: dns, port: 53, protocol: UDP, targetPort: 5353}
        """;

    private static string LiveDns(string udpTargetPort = "5353", string tcpTargetPort = "5353", string udpProtocol = "UDP") => """
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"dns","namespace":"shop","managedFields":[
          {"manager":"kubectl-client-side-apply","operation":"Update","time":"2026-10-01T09:00:00Z","fieldsV1":{"f:spec":{"f:selector":{},"f:ports":{
            "k:{\"port\":53,\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{},"f:targetPort":{}},
            "k:{\"port\":53,\"protocol\":\"UDP\"}":{".":{},"f:name":{},"f:port":{},"f:protocol":{}}}}}},
          {"manager":"kubectl-edit","operation":"Update","time":"2026-11-02T03:12:44Z","fieldsV1":{"f:spec":{"f:ports":{
            "k:{\"port\":53,\"protocol\":\"@0@\"}":{"f:targetPort":{}}}}}}]},
         "spec":{"selector":{"app":"dns"},"type":"ClusterIP","clusterIP":"10.96.0.10","ports":[
           {"name":"dns-tcp","port":53,"protocol":"TCP","targetPort":@2@},
           {"name":"dns","port":53,"protocol":"@1@","targetPort":@3@}]}}
        """.Replace("@0@", udpProtocol, StringComparison.Ordinal).Replace("@1@", udpProtocol, StringComparison.Ordinal)
        .Replace("@2@", tcpTargetPort, StringComparison.Ordinal).Replace("@3@", udpTargetPort, StringComparison.Ordinal);

    [Fact]
    public void Service_ports_are_keyed_by_number_and_protocol()
    {
        var drift = Drifts.Single(DesiredDns, LiveDns(udpTargetPort: "53"));

        Assert.Equal(("/spec/ports[port=53,protocol=UDP]/targetPort", DriftKind.Modified, "kubectl-edit"), (drift.Path, drift.Kind, drift.Manager));
        Assert.Equal(Severity.High, drift.Severity);
    }

    [Fact]
    public void A_tcp_port_is_named_by_its_number_alone()
    {
        var drift = Drifts.Single(DesiredDns, LiveDns(tcpTargetPort: "8053"));

        Assert.Equal("/spec/ports[port=53]/targetPort", drift.Path);
    }

    [Fact]
    public void A_port_whose_protocol_changed_is_another_element()
    {
        var drifts = Drifts.Of(DesiredDns, LiveDns(udpProtocol: "SCTP"));

        Assert.Equal(
            ["core/Service/shop/dns /spec/ports[port=53,protocol=SCTP] Added", "core/Service/shop/dns /spec/ports[port=53,protocol=UDP] Missing"],
            Drifts.Lines(drifts));
    }

    [Fact]
    public void Container_ports_are_keyed_by_number_and_protocol()
    {
        var desired = Objects.Yaml.DesiredDeployment.Swap(
            "        - containerPort: 8080\n          name: http",
            "        - containerPort: 8080\n          name: http\n        - containerPort: 8080\n          protocol: UDP\n          name: quic");
        var live = Objects.Yaml.LiveDeployment(
            Objects.Yaml.Entry("kubectl-edit", """f:spec: {f:template: {f:spec: {f:containers: {'k:{"name":"web"}': {f:ports: {'k:{"containerPort":8080,"protocol":"UDP"}': {f:name: {}}}}}}}}"""),
            container: Objects.Yaml.DefaultLiveContainer.Swap(
                "  - containerPort: 8080\n    name: http\n    protocol: TCP",
                "  - containerPort: 8080\n    name: http\n    protocol: TCP\n  - containerPort: 8080\n    name: h3\n    protocol: UDP"));

        var drift = Drifts.Single(desired, live);

        Assert.Equal(("/spec/template/spec/containers[name=web]/ports[containerPort=8080,protocol=UDP]/name", "kubectl-edit"), (drift.Path, drift.Manager));
    }

    [Theory]
    [InlineData("/spec/ports[port=53,protocol=UDP]", false, true)]
    [InlineData("/spec/ports[port=53]", true, false)]
    [InlineData("/spec/ports[port=53,protocol=TCP]", true, false)]
    [InlineData("/spec/ports[port=53,protocol=*]", true, true)]
    [InlineData("/spec/ports[port=*]", true, true)]
    public void Ignore_rules_select_ports_by_number_and_protocol(string path, bool ignoresTcp, bool ignoresUdp)
    {
        var policy = new DriftPolicy { Ignore = [new IgnoreRule(ResourceSelector.All, PathPattern.Parse(path))] };

        var drifts = Drifts.Of(DesiredDns, LiveDns(udpTargetPort: "53", tcpTargetPort: "8053"), policy);

        Assert.Equal(!ignoresTcp, drifts.Any(d => d.Path == "/spec/ports[port=53]/targetPort"));
        Assert.Equal(!ignoresUdp, drifts.Any(d => d.Path == "/spec/ports[port=53,protocol=UDP]/targetPort"));
    }

    [Theory]
    [InlineData("/spec/ports[port=53]", "/spec/ports[port=53]")]
    [InlineData("/spec/ports[port=53,protocol=TCP]", "/spec/ports[port=53]")]
    [InlineData("/spec/ports[port=53,protocol=UDP]/targetPort", "/spec/ports[port=53,protocol=UDP]/targetPort")]
    [InlineData("/spec/template/spec/containers[name=a]/ports[containerPort=53,protocol=SCTP]", "/spec/template/spec/containers[name=a]/ports[containerPort=53,protocol=SCTP]")]
    [InlineData("/spec/template/spec/containers[name=a]/volumeMounts[mountPath=~1a,b]", "/spec/template/spec/containers[name=a]/volumeMounts[mountPath=~1a,b]")]
    public void Port_paths_name_the_protocol_only_when_it_is_not_tcp(string written, string printed)
    {
        var steps = PathStep.Parse(written, out var error);

        Assert.Null(error);
        Assert.Equal(printed, PathStep.Format(steps!));
    }

    [Fact]
    public void A_port_selector_without_a_number_is_refused()
    {
        Assert.Null(PathStep.Parse("/spec/ports[port=,protocol=UDP]", out var error));
        Assert.Contains("protocol=P", error, StringComparison.Ordinal);
    }
}
