using System.Globalization;
using System.Text;

namespace DriftFabric.Benchmarks;

/// <summary>One generated resource: as Git declares it (YAML) and as the API server returns it (JSON).</summary>
public sealed record GeneratedResource(string Kind, string Namespace, string Name, string DesiredYaml, string LiveJson, bool Drifted);

/// <summary>
/// A realistic fleet, like <c>deploy/examples</c>: per app a Deployment (probes, env, resources),
/// a Service, a ConfigMap, a Secret, an Istio VirtualService and DestinationRule. Live objects
/// carry what a cluster adds (server defaults, metadata, managedFields, status). A drifted
/// resource has exactly one drift, made by a named out-of-band manager.
/// </summary>
public static class FleetGenerator
{
    public const int ResourcesPerApp = 6;

    /// <summary>The six resources of app <paramref name="app"/>; those whose index (0..5) is in <paramref name="drifted"/> drift.</summary>
    public static IEnumerable<GeneratedResource> App(string ns, string app, int variant, Func<int, bool> drifted)
    {
        var v = variant.ToString(CultureInfo.InvariantCulture);
        yield return AsApplied(Deployment(ns, app, v, drifted(0)));
        yield return AsApplied(Service(ns, app, drifted(1)));
        yield return AsApplied(ConfigMap(ns, app, v, drifted(2)));
        yield return AsApplied(Secret(ns, app, v, drifted(3)));
        yield return AsApplied(VirtualService(ns, app, drifted(4)));
        yield return AsApplied(DestinationRule(ns, app, drifted(5)));
    }

    /// <summary>
    /// The live object as <c>kubectl apply</c> leaves it: its last-applied-configuration holds
    /// the desired document as JSON (a real object's annotation, which the engine reads).
    /// </summary>
    private static GeneratedResource AsApplied(GeneratedResource resource)
    {
        var desired = DriftFabric.Engine.Parsing.YamlReader.ReadDocuments(resource.DesiredYaml).First(d => d.Root is not null).Root!;
        var annotation = System.Text.Json.JsonSerializer.Serialize(desired.ToJson() + "\n");
        return resource with
        {
            LiveJson = resource.LiveJson.Replace(
                "\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\"", "\"kubectl.kubernetes.io/last-applied-configuration\":" + annotation, StringComparison.Ordinal),
        };
    }

    /// <summary>The opening every desired document shares: kind, name, namespace and the app's labels.</summary>
    private static string Header(string apiVersion, string kind) =>
        $"apiVersion: {apiVersion}\nkind: {kind}\nmetadata:\n  name: @APP\n  namespace: @NS\n  labels:\n    app.kubernetes.io/name: @APP\n    team: shop\n";

    private static string Fill(string template, string ns, string app, string variant = "0") => template
        .Replace("@NS", ns, StringComparison.Ordinal)
        .Replace("@APP", app, StringComparison.Ordinal)
        .Replace("@V", variant, StringComparison.Ordinal);

    private static string Meta(string kindPath, string ns, string app, string spec, string manager, string statusManager, string extraManager) =>
        Fill("""
            "metadata":{"name":"@APP","namespace":"@NS","uid":"0d5c1e0a-@APP","resourceVersion":"48121","generation":3,
             "creationTimestamp":"2026-09-01T10:00:00Z","labels":{"app.kubernetes.io/name":"@APP","team":"shop"},
             "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"},
             "managedFields":[
              {"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"v1","time":"2026-09-01T10:00:00Z","fieldsType":"FieldsV1",
               "fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app.kubernetes.io/name":{},"f:team":{}},"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}}},@SPEC}}
              @STATUS@EXTRA]}
            """, ns, app)
            .Replace("@SPEC", spec, StringComparison.Ordinal)
            .Replace("@STATUS", statusManager, StringComparison.Ordinal)
            .Replace("@EXTRA", extraManager, StringComparison.Ordinal)
            .Replace("@KIND", kindPath, StringComparison.Ordinal)
            .Replace("@MANAGER", manager, StringComparison.Ordinal);

    private static string Managed(string manager, string fields, string time = "2026-11-20T02:14:00Z") =>
        $$""",{"manager":"{{manager}}","operation":"Update","apiVersion":"v1","time":"{{time}}","fieldsType":"FieldsV1","fieldsV1":{{fields}}}""";

    private static GeneratedResource Deployment(string ns, string app, string v, bool drifted)
    {
        var desired = Fill(Header("apps/v1", "Deployment") + """
            spec:
              replicas: 3
              selector:
                matchLabels:
                  app.kubernetes.io/name: @APP
              template:
                metadata:
                  labels:
                    app.kubernetes.io/name: @APP
                spec:
                  serviceAccountName: @APP
                  containers:
                  - name: server
                    image: registry.example.com/shop/@APP:1.4.@V
                    ports:
                    - containerPort: 8080
                      name: http
                    env:
                    - name: PORT
                      value: "8080"
                    - name: LOG_LEVEL
                      value: info
                    - name: FEATURE_FLAGS
                      value: checkout-v2,reco-ml
                    resources:
                      requests:
                        cpu: 100m
                        memory: 128Mi
                      limits:
                        cpu: 500m
                        memory: 256Mi
                    readinessProbe:
                      httpGet:
                        path: /healthz
                        port: 8080
                      initialDelaySeconds: 5
                    livenessProbe:
                      httpGet:
                        path: /livez
                        port: 8080
                      initialDelaySeconds: 15
            ---

            """, ns, app, v);
        var replicas = drifted ? 7 : 3;
        var live = """
            {"apiVersion":"apps/v1","kind":"Deployment",@META,
             "spec":{"replicas":@REPLICAS,"selector":{"matchLabels":{"app.kubernetes.io/name":"@APP"}},"progressDeadlineSeconds":600,"revisionHistoryLimit":10,
              "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
              "template":{"metadata":{"labels":{"app.kubernetes.io/name":"@APP"}},
               "spec":{"serviceAccountName":"@APP","serviceAccount":"@APP","dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler","terminationGracePeriodSeconds":30,"securityContext":{},
                "containers":[{"name":"server","image":"registry.example.com/shop/@APP:1.4.@V","imagePullPolicy":"IfNotPresent",
                 "ports":[{"containerPort":8080,"name":"http","protocol":"TCP"}],
                 "env":[{"name":"PORT","value":"8080"},{"name":"LOG_LEVEL","value":"info"},{"name":"FEATURE_FLAGS","value":"checkout-v2,reco-ml"}],
                 "resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}},
                 "readinessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"initialDelaySeconds":5,"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},
                 "livenessProbe":{"httpGet":{"path":"/livez","port":8080,"scheme":"HTTP"},"initialDelaySeconds":15,"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},
                 "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}]}}},
             "status":{"observedGeneration":3,"replicas":@REPLICAS,"updatedReplicas":@REPLICAS,"readyReplicas":@REPLICAS,"availableReplicas":@REPLICAS,
              "conditions":[{"type":"Available","status":"True","lastUpdateTime":"2026-11-01T00:00:00Z","lastTransitionTime":"2026-11-01T00:00:00Z","reason":"MinimumReplicasAvailable","message":"Deployment has minimum availability."}]}}
            """;
        var spec = """
            "f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app.kubernetes.io/name":{}}},
             "f:spec":{"f:serviceAccountName":{},"f:containers":{"k:{\"name\":\"server\"}":{".":{},"f:name":{},"f:image":{},"f:ports":{},"f:env":{},"f:resources":{},"f:readinessProbe":{},"f:livenessProbe":{}}}}}}
            """;
        var meta = Meta("apps/Deployment", ns, app, spec,
            "kubectl-client-side-apply",
            Managed("kube-controller-manager", """{"f:status":{"f:replicas":{},"f:conditions":{}}}""", "2026-11-01T00:00:00Z"),
            drifted ? Managed("kubectl-scale", """{"f:spec":{"f:replicas":{}}}""") : string.Empty);
        return new("Deployment", ns, app, desired, Fill(live, ns, app, v).Replace("@META", meta, StringComparison.Ordinal).Replace("@REPLICAS", replicas.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), drifted);
    }

    private static GeneratedResource Service(string ns, string app, bool drifted)
    {
        var desired = Fill(Header("v1", "Service") + """
            spec:
              selector:
                app.kubernetes.io/name: @APP
              ports:
              - name: http
                port: 80
                targetPort: 8080
            ---

            """, ns, app);
        var live = """
            {"apiVersion":"v1","kind":"Service",@META,
             "spec":{"selector":{"app.kubernetes.io/name":"@APP"},"ports":[{"name":"http","port":80,"targetPort":@TARGET,"protocol":"TCP"}],
              "type":"ClusterIP","clusterIP":"10.96.12.34","clusterIPs":["10.96.12.34"],"sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"},
             "status":{"loadBalancer":{}}}
            """;
        var spec = """ "f:spec":{"f:selector":{},"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{},"f:targetPort":{}}}}""";
        var meta = Meta("core/Service", ns, app, spec, "kubectl-client-side-apply", string.Empty,
            drifted ? Managed("kubectl-edit", """{"f:spec":{"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{"f:targetPort":{}}}}}""") : string.Empty);
        return new("Service", ns, app, desired, Fill(live, ns, app).Replace("@META", meta, StringComparison.Ordinal).Replace("@TARGET", drifted ? "9090" : "8080", StringComparison.Ordinal), drifted);
    }

    private static GeneratedResource ConfigMap(string ns, string app, string v, bool drifted)
    {
        var desired = Fill(Header("v1", "ConfigMap") + """
            data:
              config.yaml: |
                cache:
                  ttl: 30s
                  size: 1000
                upstream: http://catalog.@NS.svc:80
              region: eu-west-@V
            ---

            """, ns, app, v);
        var live = """
            {"apiVersion":"v1","kind":"ConfigMap",@META,
             "data":{"config.yaml":"cache:\n  ttl: @TTL\n  size: 1000\nupstream: http://catalog.@NS.svc:80\n","region":"eu-west-@V"}}
            """;
        var meta = Meta("core/ConfigMap", ns, app, """ "f:data":{".":{},"f:config.yaml":{},"f:region":{}}""", "kubectl-client-side-apply", string.Empty,
            drifted ? Managed("kubectl-edit", """{"f:data":{"f:config.yaml":{}}}""") : string.Empty);
        return new("ConfigMap", ns, app, desired, Fill(live, ns, app, v).Replace("@META", meta, StringComparison.Ordinal).Replace("@TTL", drifted ? "5s" : "30s", StringComparison.Ordinal), drifted);
    }

    private static GeneratedResource Secret(string ns, string app, string v, bool drifted)
    {
        var desired = Fill(Header("v1", "Secret") + """
            type: Opaque
            stringData:
              api-key: k-@APP-@V
            ---

            """, ns, app, v);
        var key = Convert.ToBase64String(Encoding.UTF8.GetBytes(drifted ? $"rotated-by-hand-{app}" : $"k-{app}-{v}"));
        var live = """
            {"apiVersion":"v1","kind":"Secret",@META,"type":"Opaque","data":{"api-key":"@KEY"}}
            """;
        var meta = Meta("core/Secret", ns, app, """ "f:data":{".":{},"f:api-key":{}},"f:type":{}""", "kubectl-client-side-apply", string.Empty,
            drifted ? Managed("kubectl-edit", """{"f:data":{"f:api-key":{}}}""") : string.Empty);
        return new("Secret", ns, app, desired, Fill(live, ns, app, v).Replace("@META", meta, StringComparison.Ordinal).Replace("@KEY", key, StringComparison.Ordinal), drifted);
    }

    private static GeneratedResource VirtualService(string ns, string app, bool drifted)
    {
        var desired = Fill(Header("networking.istio.io/v1beta1", "VirtualService") + """
            spec:
              hosts:
              - @APP
              http:
              - route:
                - destination:
                    host: @APP
                    subset: v1
                  weight: 90
                - destination:
                    host: @APP
                    subset: v2
                  weight: 10
                timeout: 5s
            ---

            """, ns, app);
        var live = """
            {"apiVersion":"networking.istio.io/v1beta1","kind":"VirtualService",@META,
             "spec":{"hosts":["@APP"],"http":[{"route":[{"destination":{"host":"@APP","subset":"v1"},"weight":@W1},{"destination":{"host":"@APP","subset":"v2"},"weight":@W2}],"timeout":"5s"}]}}
            """;
        var meta = Meta("networking.istio.io/VirtualService", ns, app, """ "f:spec":{".":{},"f:hosts":{},"f:http":{}}""", "kubectl-client-side-apply", string.Empty,
            drifted ? Managed("kubectl-patch", """{"f:spec":{"f:http":{}}}""") : string.Empty);
        return new("VirtualService", ns, app, desired, Fill(live, ns, app).Replace("@META", meta, StringComparison.Ordinal)
            .Replace("@W1", drifted ? "50" : "90", StringComparison.Ordinal).Replace("@W2", drifted ? "50" : "10", StringComparison.Ordinal), drifted);
    }

    private static GeneratedResource DestinationRule(string ns, string app, bool drifted)
    {
        var desired = Fill(Header("networking.istio.io/v1beta1", "DestinationRule") + """
            spec:
              host: @APP
              trafficPolicy:
                tls:
                  mode: ISTIO_MUTUAL
              subsets:
              - name: v1
                labels:
                  version: v1
              - name: v2
                labels:
                  version: v2
            ---

            """, ns, app);
        var live = """
            {"apiVersion":"networking.istio.io/v1beta1","kind":"DestinationRule",@META,
             "spec":{"host":"@APP","trafficPolicy":{"tls":{"mode":"@MODE"}},"subsets":[{"name":"v1","labels":{"version":"v1"}},{"name":"v2","labels":{"version":"v2"}}]}}
            """;
        var meta = Meta("networking.istio.io/DestinationRule", ns, app, """ "f:spec":{".":{},"f:host":{},"f:trafficPolicy":{},"f:subsets":{}}""", "kubectl-client-side-apply", string.Empty,
            drifted ? Managed("kubectl-edit", """{"f:spec":{"f:trafficPolicy":{"f:tls":{"f:mode":{}}}}}""") : string.Empty);
        return new("DestinationRule", ns, app, desired, Fill(live, ns, app).Replace("@META", meta, StringComparison.Ordinal).Replace("@MODE", drifted ? "DISABLE" : "ISTIO_MUTUAL", StringComparison.Ordinal), drifted);
    }
}
