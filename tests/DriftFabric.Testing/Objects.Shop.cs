namespace DriftFabric.Testing;

public static partial class Objects
{
    /// <summary>
    /// A small hand-made fleet: the <c>web</c> app of namespace <c>shop</c> as declared in code
    /// (Deployment, Service, ConfigMap, Secret) and as <c>kubectl get -o json</c> would list it,
    /// with the <c>managedFields</c> that tell who wrote each field.
    /// </summary>
    public static class Shop
    {
        public const string WebImage = "registry.example.com/shop/web:1.4.0";
        public const string HotfixImage = "registry.example.com/shop/web:1.4.1-hotfix";
        public const string DbPassword = "tiger-lily-staple-42";
        public const string RotatedPassword = "hand-rotated-0413";

        public const string WebDeployment = "apps/Deployment/shop/web";
        public const string WebService = "core/Service/shop/web";
        public const string WebConfig = "core/ConfigMap/shop/web-config";
        public const string WebDb = "core/Secret/shop/web-db";
        public const string DebugConfig = "core/ConfigMap/shop/tmp-debug";

        public const string ReplicasPath = "/spec/replicas";
        public const string ImagePath = "/spec/template/spec/containers[name=web]/image";

        public static string Deployment(int replicas = 2, string image = WebImage) => $"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
              labels:
                app.kubernetes.io/name: web
            spec:
              replicas: {replicas}
              selector:
                matchLabels:
                  app.kubernetes.io/name: web
              template:
                metadata:
                  labels:
                    app.kubernetes.io/name: web
                spec:
                  containers:
                  - name: web
                    image: {image}
                    ports:
                    - containerPort: 8080
                      name: http
                    env:
                    - name: LOG_LEVEL
                      value: info

            """;

        public const string Service = """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: shop
            spec:
              selector:
                app.kubernetes.io/name: web
              ports:
              - name: http
                port: 80
                targetPort: 8080

            """;

        public const string ConfigMap = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: web-config
              namespace: shop
            data:
              greeting: hello
              theme: dark

            """;

        public const string Secret = $"""
            apiVersion: v1
            kind: Secret
            metadata:
              name: web-db
              namespace: shop
            type: Opaque
            stringData:
              username: web
              password: {DbPassword}

            """;

        /// <summary>The live Deployment; a field changed by hand is owned by the manager that changed it.</summary>
        public static string LiveDeployment(int replicas = 2, string image = WebImage, string? replicasBy = null, string? imageBy = null, bool managedFields = true)
        {
            var applied = $$"""
                {
                  "f:metadata": { "f:labels": { ".": {}, "f:app.kubernetes.io/name": {} } },
                  "f:spec": {
                    {{(replicasBy is null ? "\"f:replicas\": {}," : string.Empty)}}
                    "f:selector": {},
                    "f:template": {
                      "f:metadata": { "f:labels": { ".": {}, "f:app.kubernetes.io/name": {} } },
                      "f:spec": {
                        "f:containers": {
                          "k:{\"name\":\"web\"}": {
                            ".": {},
                            "f:env": { ".": {}, "k:{\"name\":\"LOG_LEVEL\"}": { ".": {}, "f:name": {}, "f:value": {} } },
                            {{(imageBy is null ? "\"f:image\": {}," : string.Empty)}}
                            "f:imagePullPolicy": {},
                            "f:name": {},
                            "f:ports": { ".": {}, "k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": { ".": {}, "f:containerPort": {}, "f:name": {}, "f:protocol": {} } },
                            "f:resources": {},
                            "f:terminationMessagePath": {},
                            "f:terminationMessagePolicy": {}
                          }
                        },
                        "f:dnsPolicy": {},
                        "f:restartPolicy": {},
                        "f:schedulerName": {},
                        "f:securityContext": {},
                        "f:terminationGracePeriodSeconds": {}
                      }
                    },
                    "f:progressDeadlineSeconds": {},
                    "f:revisionHistoryLimit": {},
                    "f:strategy": { "f:rollingUpdate": { ".": {}, "f:maxSurge": {}, "f:maxUnavailable": {} }, "f:type": {} }
                  }
                }
                """;
            var managed = ManagedFields(
                "apps/v1",
                new ManagedEntry(Applied, AppliedAt, applied),
                new ManagedEntry("kube-controller-manager", AppliedAt, """{ "f:metadata": { "f:annotations": { ".": {}, "f:deployment.kubernetes.io/revision": {} } } }"""),
                new ManagedEntry("kube-controller-manager", AppliedAt, """{ "f:status": { "f:availableReplicas": {}, "f:observedGeneration": {}, "f:readyReplicas": {}, "f:replicas": {}, "f:updatedReplicas": {} } }""", "status"),
                new ManagedEntry(replicasBy, EditedAt, """{ "f:spec": { "f:replicas": {} } }"""),
                new ManagedEntry(imageBy, EditedAt, """{ "f:spec": { "f:template": { "f:spec": { "f:containers": { "k:{\"name\":\"web\"}": { "f:image": {} } } } } } }"""));

            return $$"""
                {
                  "apiVersion": "apps/v1",
                  "kind": "Deployment",
                  "metadata": {
                    "name": "web",
                    "namespace": "shop",
                    "uid": "3b0c5a52-6a55-4f0e-9d8e-0000000000a1",
                    "resourceVersion": "100410",
                    "generation": 3,
                    "creationTimestamp": "{{AppliedAt}}",
                    "labels": { "app.kubernetes.io/name": "web" },
                    "annotations": { "deployment.kubernetes.io/revision": "1" }{{(managedFields ? ",\n\"managedFields\": " + managed : string.Empty)}}
                  },
                  "spec": {
                    "replicas": {{replicas}},
                    "selector": { "matchLabels": { "app.kubernetes.io/name": "web" } },
                    "template": {
                      "metadata": { "creationTimestamp": null, "labels": { "app.kubernetes.io/name": "web" } },
                      "spec": {
                        "containers": [
                          {
                            "name": "web",
                            "image": "{{image}}",
                            "env": [ { "name": "LOG_LEVEL", "value": "info" } ],
                            "ports": [ { "containerPort": 8080, "name": "http", "protocol": "TCP" } ],
                            "imagePullPolicy": "IfNotPresent",
                            "resources": {},
                            "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File"
                          }
                        ],
                        "dnsPolicy": "ClusterFirst",
                        "restartPolicy": "Always",
                        "schedulerName": "default-scheduler",
                        "securityContext": {},
                        "terminationGracePeriodSeconds": 30
                      }
                    },
                    "progressDeadlineSeconds": 600,
                    "revisionHistoryLimit": 10,
                    "strategy": { "rollingUpdate": { "maxSurge": "25%", "maxUnavailable": "25%" }, "type": "RollingUpdate" }
                  },
                  "status": { "availableReplicas": 2, "observedGeneration": 3, "readyReplicas": 2, "replicas": 2, "updatedReplicas": 2 }
                }
                """;
        }

        public static string LiveService() => $$"""
            {
              "apiVersion": "v1",
              "kind": "Service",
              "metadata": {
                "name": "web",
                "namespace": "shop",
                "uid": "3b0c5a52-6a55-4f0e-9d8e-0000000000a2",
                "resourceVersion": "100388",
                "creationTimestamp": "{{AppliedAt}}",
                "managedFields": {{ManagedFields("v1", new ManagedEntry(Applied, AppliedAt, """
                  {
                    "f:spec": {
                      "f:internalTrafficPolicy": {},
                      "f:ports": { ".": {}, "k:{\"port\":80,\"protocol\":\"TCP\"}": { ".": {}, "f:name": {}, "f:port": {}, "f:protocol": {}, "f:targetPort": {} } },
                      "f:selector": {},
                      "f:sessionAffinity": {},
                      "f:type": {}
                    }
                  }
                  """))}}
              },
              "spec": {
                "clusterIP": "10.96.41.17",
                "clusterIPs": [ "10.96.41.17" ],
                "internalTrafficPolicy": "Cluster",
                "ipFamilies": [ "IPv4" ],
                "ipFamilyPolicy": "SingleStack",
                "ports": [ { "name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080 } ],
                "selector": { "app.kubernetes.io/name": "web" },
                "sessionAffinity": "None",
                "type": "ClusterIP"
              },
              "status": { "loadBalancer": {} }
            }
            """;

        /// <summary>A live ConfigMap whose every data key is owned by the given manager.</summary>
        public static string LiveConfigMap(string name, params (string Key, string Value, string Manager)[] data)
        {
            var entries = data
                .GroupBy(d => d.Manager)
                .Select(g => new ManagedEntry(
                    g.Key,
                    g.Key == Applied ? AppliedAt : EditedAt,
                    $$"""{ "f:data": { ".": {}, {{string.Join(", ", g.Select(d => $"\"f:{d.Key}\": {{}}"))}} } }"""))
                .ToArray();
            return $$"""
                {
                  "apiVersion": "v1",
                  "kind": "ConfigMap",
                  "metadata": {
                    "name": "{{name}}",
                    "namespace": "shop",
                    "uid": "3b0c5a52-6a55-4f0e-9d8e-0000000000a3",
                    "resourceVersion": "100395",
                    "creationTimestamp": "{{entries.Select(e => e.Time).Order(StringComparer.Ordinal).First()}}",
                    "managedFields": {{ManagedFields("v1", entries)}}
                  },
                  "data": { {{string.Join(", ", data.Select(d => $"\"{d.Key}\": \"{d.Value}\""))}} }
                }
                """;
        }

        /// <summary>The live Secret as <c>kubectl apply</c> leaves it (stringData folded into base64 data, the applied text in an annotation).</summary>
        public static string LiveSecret(string password = DbPassword, string? passwordBy = null) => $$"""
            {
              "apiVersion": "v1",
              "kind": "Secret",
              "metadata": {
                "name": "web-db",
                "namespace": "shop",
                "uid": "3b0c5a52-6a55-4f0e-9d8e-0000000000a4",
                "resourceVersion": "100402",
                "creationTimestamp": "{{AppliedAt}}",
                "annotations": {
                  "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"annotations\":{},\"name\":\"web-db\",\"namespace\":\"shop\"},\"stringData\":{\"password\":\"{{DbPassword}}\",\"username\":\"web\"},\"type\":\"Opaque\"}\n"
                },
                "managedFields": {{ManagedFields(
                    "v1",
                    new ManagedEntry(Applied, AppliedAt, $$"""
                        {
                          "f:data": { ".": {}, {{(passwordBy is null ? "\"f:password\": {}," : string.Empty)}} "f:username": {} },
                          "f:metadata": { "f:annotations": { ".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {} } },
                          "f:type": {}
                        }
                        """),
                    new ManagedEntry(passwordBy, EditedAt, """{ "f:data": { "f:password": {} } }"""))}}
              },
              "type": "Opaque",
              "data": {
                "password": "{{Base64(password)}}",
                "username": "{{Base64("web")}}"
              }
            }
            """;

        /// <summary>Every declared object, each in its own file under <c>desired/</c>; returns that directory.</summary>
        public static string WriteDesired(TempDirectory dir, string? deployment = null)
        {
            dir.Write("desired/web/deployment.yaml", deployment ?? Deployment());
            dir.Write("desired/web/service.yaml", Service);
            dir.Write("desired/web/configmap.yaml", ConfigMap);
            dir.Write("desired/web/secret.yaml", Secret);
            return dir.PathOf("desired");
        }

        /// <summary>
        /// A night of hand-made changes: replicas scaled (medium) and the image hot-fixed (high) by
        /// hand, the ConfigMap deleted (Missing, high), a debug ConfigMap created (Unmanaged, high),
        /// the database password rotated (critical); the Service is untouched.
        /// </summary>
        public static (string Desired, string Live) WriteIncident(TempDirectory dir)
        {
            var desired = WriteDesired(dir);
            var live = dir.Write("live/shop.json", List(
                LiveDeployment(replicas: 5, image: HotfixImage, replicasBy: "kubectl-scale", imageBy: "kubectl-set"),
                LiveService(),
                LiveConfigMap("tmp-debug", ("DEBUG", "true", "kubectl-create")),
                LiveSecret(RotatedPassword, passwordBy: "kubectl-edit")));
            return (desired, live);
        }
    }
}
