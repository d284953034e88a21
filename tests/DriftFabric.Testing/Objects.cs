namespace DriftFabric.Testing;

/// <summary>Live objects as `kubectl get -o json` returns them, built small.</summary>
public static class Objects
{
    public const string Applied = "kubectl-client-side-apply";

    public static string Deployment(string name, string ns, int replicas, string image, string app = "", string manager = Applied, string time = "2026-10-01T09:00:00Z") => Fill("""
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"@NAME","namespace":"@NS","labels":{"app.kubernetes.io/name":"@APP"},
           "managedFields":[{"manager":"@MANAGER","operation":"Update","time":"@TIME","fieldsType":"FieldsV1",
             "fieldsV1":{"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"@NAME\"}":{".":{},"f:name":{},"f:image":{}}}}}}}}]},
         "spec":{"replicas":@REPLICAS,"template":{"spec":{"containers":[{"name":"@NAME","image":"@IMAGE"}]}}}}
        """, name, ns, app, manager, time).Replace("@REPLICAS", replicas.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal).Replace("@IMAGE", image, StringComparison.Ordinal);

    public static string DesiredDeployment(string name, string ns, int replicas, string image, string app = "") => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
          namespace: {ns}
          labels:
            app.kubernetes.io/name: {(app.Length == 0 ? name : app)}
        spec:
          replicas: {replicas}
          template:
            spec:
              containers:
              - name: {name}
                image: {image}
        ---

        """;

    /// <summary>A ConfigMap in Git, so that ConfigMaps are a kind the desired state uses.</summary>
    public static string DesiredConfigMap(string name, string ns, string app) => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {name}
          namespace: {ns}
          labels:
            app.kubernetes.io/name: {app}
        data:
          x: "y"
        ---

        """;

    public static string ConfigMap(string name, string ns, string app, string manager = "kubectl-create") => Fill("""
        {"apiVersion":"v1","kind":"ConfigMap",
         "metadata":{"name":"@NAME","namespace":"@NS","labels":{"app.kubernetes.io/name":"@APP"},
           "managedFields":[{"manager":"@MANAGER","operation":"Update","time":"@TIME","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:x":{}}}}]},
         "data":{"x":"y"}}
        """, name, ns, app, manager, "2026-11-02T03:12:44Z");

    public static string Secret(string name, string ns, string app, string password) => Fill("""
        {"apiVersion":"v1","kind":"Secret",
         "metadata":{"name":"@NAME","namespace":"@NS","labels":{"app.kubernetes.io/name":"@APP"},
           "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"stringData\":{\"password\":\"@PASSWORD\"}}"},
           "managedFields":[{"manager":"@MANAGER","operation":"Update","time":"@TIME","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:password":{}}}}]},
         "type":"Opaque","data":{"password":"@BASE64"}}
        """, name, ns, app, "kubectl-edit", "2026-11-02T03:12:44Z")
        .Replace("@PASSWORD", password, StringComparison.Ordinal)
        .Replace("@BASE64", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(password)), StringComparison.Ordinal);

    public static string List(params string[] items) => "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" + string.Join(",", items) + "]}";

    private static string Fill(string template, string name, string ns, string app, string manager, string time) => template
        .Replace("@NAME", name, StringComparison.Ordinal)
        .Replace("@NS", ns, StringComparison.Ordinal)
        .Replace("@APP", app.Length == 0 ? name : app, StringComparison.Ordinal)
        .Replace("@MANAGER", manager, StringComparison.Ordinal)
        .Replace("@TIME", time, StringComparison.Ordinal);
}
