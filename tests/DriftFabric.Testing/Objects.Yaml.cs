namespace DriftFabric.Testing;

public static partial class Objects
{
    /// <summary>
    /// Small desired and live objects written as YAML, shaped like real ones, with managedFields
    /// where owners matter: what the engine's rules are tested on line by line.
    /// </summary>
    public static class Yaml
    {
        public const string Applied = """
            - manager: kubectl-client-side-apply
              operation: Update
              time: "2026-10-01T09:00:00Z"
              apiVersion: apps/v1
              fieldsType: FieldsV1
              fieldsV1:
            """;

        /// <summary>A Deployment as written in Git.</summary>
        public const string DesiredDeployment = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
              labels:
                app: web
            spec:
              replicas: 2
              selector:
                matchLabels:
                  app: web
              template:
                metadata:
                  labels:
                    app: web
                spec:
                  containers:
                  - name: web
                    image: registry.example.com/web:1.0.0
                    args: ["--port", "8080"]
                    ports:
                    - containerPort: 8080
                      name: http
                    env:
                    - name: LOG_LEVEL
                      value: info
                    resources:
                      requests:
                        cpu: 250m
                        memory: 256Mi
            """;

        /// <summary>
        /// The same Deployment as the API server returns it: defaults filled in, status, and
        /// managedFields of a client-side apply. <paramref name="extraManagedFields"/> adds entries;
        /// the spec block can be replaced to model a change.
        /// </summary>
        public static string LiveDeployment(string extraManagedFields = "", string? container = null, string replicas = "2", string metadataExtra = "") => $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
              uid: 0d5c1f3a-0000-4000-8000-000000000001
              resourceVersion: "4711"
              generation: 3
              creationTimestamp: "2026-10-01T09:00:00Z"
              labels:
                app: web
            {{Indent(metadataExtra, 2)}}
              annotations:
                deployment.kubernetes.io/revision: "3"
              managedFields:
              - manager: kubectl-client-side-apply
                operation: Update
                time: "2026-10-01T09:00:00Z"
                apiVersion: apps/v1
                fieldsType: FieldsV1
                fieldsV1:
                  f:metadata:
                    f:labels:
                      f:app: {}
                  f:spec:
                    f:replicas: {}
                    f:selector: {}
                    f:template:
                      f:metadata:
                        f:labels:
                          f:app: {}
                      f:spec:
                        f:containers:
                          k:{"name":"web"}:
                            .: {}
                            f:name: {}
                            f:image: {}
                            f:args: {}
                            f:ports:
                              k:{"containerPort":8080,"protocol":"TCP"}:
                                .: {}
                                f:containerPort: {}
                                f:name: {}
                                f:protocol: {}
                            f:env:
                              k:{"name":"LOG_LEVEL"}:
                                .: {}
                                f:name: {}
                                f:value: {}
                            f:resources:
                              f:requests:
                                f:cpu: {}
                                f:memory: {}
                            f:imagePullPolicy: {}
                            f:terminationMessagePath: {}
              - manager: kube-controller-manager
                operation: Update
                subresource: status
                time: "2026-10-01T09:00:05Z"
                apiVersion: apps/v1
                fieldsType: FieldsV1
                fieldsV1:
                  f:status: {}
              - manager: kube-controller-manager
                operation: Update
                time: "2026-10-01T09:00:05Z"
                apiVersion: apps/v1
                fieldsType: FieldsV1
                fieldsV1:
                  f:metadata:
                    f:annotations:
                      f:deployment.kubernetes.io/revision: {}
            {{Indent(extraManagedFields, 2)}}
            spec:
              replicas: {{replicas}}
              progressDeadlineSeconds: 600
              revisionHistoryLimit: 10
              selector:
                matchLabels:
                  app: web
              strategy:
                type: RollingUpdate
                rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}
              template:
                metadata:
                  creationTimestamp: null
                  labels:
                    app: web
                spec:
                  dnsPolicy: ClusterFirst
                  restartPolicy: Always
                  schedulerName: default-scheduler
                  securityContext: {}
                  terminationGracePeriodSeconds: 30
                  containers:
            {{Indent(container ?? DefaultLiveContainer, 6)}}
            status:
              replicas: 2
              readyReplicas: 2
            """;

        public const string DefaultLiveContainer = """
            - name: web
              image: registry.example.com/web:1.0.0
              args: ["--port", "8080"]
              imagePullPolicy: IfNotPresent
              terminationMessagePath: /dev/termination-log
              terminationMessagePolicy: File
              ports:
              - containerPort: 8080
                name: http
                protocol: TCP
              env:
              - name: LOG_LEVEL
                value: info
              resources:
                requests:
                  cpu: 250m
                  memory: 256Mi
            """;

        public static string Entry(string manager, string fieldsV1, string time = "2026-11-02T03:12:44Z", string operation = "Update", string? subresource = null) => $"""
            - manager: {manager}
              operation: {operation}
              time: "{time}"
            {(subresource is null ? string.Empty : $"  subresource: {subresource}\n")}  apiVersion: apps/v1
              fieldsType: FieldsV1
              fieldsV1:
            {Indent(fieldsV1, 4)}
            """;

        public static string Indent(string text, int spaces)
        {
            if (text.Length == 0)
            {
                return string.Empty;
            }

            var pad = new string(' ', spaces);
            return string.Join('\n', text.Split('\n').Select(line => line.Length == 0 ? line : pad + line));
        }
    }

    /// <summary>Replaces text that must be there: a fixture edit that silently misses would make a test unable to fail.</summary>
    public static string Swap(this string text, string from, string to)
    {
        if (!text.Contains(from, StringComparison.Ordinal))
        {
            throw new ArgumentException($"the fixture has no '{from}' to replace", nameof(from));
        }

        return text.Replace(from, to, StringComparison.Ordinal);
    }
}
