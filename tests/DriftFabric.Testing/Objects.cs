namespace DriftFabric.Testing;

/// <summary>
/// The one builder of Kubernetes objects for tests: live ones as <c>kubectl get -o json</c> returns
/// them and desired ones as Git declares them, built small; and <see cref="Shop"/>, a hand-made
/// fleet of full-size objects.
/// </summary>
public static partial class Objects
{
    /// <summary>The manager of what <c>kubectl apply</c> wrote.</summary>
    public const string Applied = "kubectl-client-side-apply";

    /// <summary>When what Git declares was applied.</summary>
    public const string AppliedAt = "2026-10-01T09:00:00Z";

    /// <summary>When someone changed it by hand.</summary>
    public const string EditedAt = "2026-11-02T03:12:44Z";

    public static string Deployment(string name, string ns, int replicas, string image, string app = "", string manager = Applied, string time = AppliedAt) => Fill("""
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
        """, name, ns, app, manager, EditedAt);

    public static string Secret(string name, string ns, string app, string password) => Fill("""
        {"apiVersion":"v1","kind":"Secret",
         "metadata":{"name":"@NAME","namespace":"@NS","labels":{"app.kubernetes.io/name":"@APP"},
           "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"stringData\":{\"password\":\"@PASSWORD\"}}"},
           "managedFields":[{"manager":"@MANAGER","operation":"Update","time":"@TIME","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:password":{}}}}]},
         "type":"Opaque","data":{"password":"@BASE64"}}
        """, name, ns, app, "kubectl-edit", EditedAt)
        .Replace("@PASSWORD", password, StringComparison.Ordinal)
        .Replace("@BASE64", Base64(password), StringComparison.Ordinal);

    /// <summary>The <c>kubectl get -o json</c> form of several objects.</summary>
    public static string List(params string[] items) => "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" + string.Join(",", items) + "]}";

    public static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

    private static string Fill(string template, string name, string ns, string app, string manager, string time) => template
        .Replace("@NAME", name, StringComparison.Ordinal)
        .Replace("@NS", ns, StringComparison.Ordinal)
        .Replace("@APP", app.Length == 0 ? name : app, StringComparison.Ordinal)
        .Replace("@MANAGER", manager, StringComparison.Ordinal)
        .Replace("@TIME", time, StringComparison.Ordinal);

    /// <summary>A <c>managedFields</c> list: one Update entry per manager given (entries without one are left out).</summary>
    private static string ManagedFields(string apiVersion, params ManagedEntry[] entries) =>
        "[\n" + string.Join(",\n", entries.Where(e => e.Manager is not null).Select(e => $$"""
            {
              "apiVersion": "{{apiVersion}}",
              "fieldsType": "FieldsV1",
              "fieldsV1": {{e.FieldsV1}},
              "manager": "{{e.Manager}}",
              "operation": "Update",{{(e.Subresource is null ? string.Empty : $"\n  \"subresource\": \"{e.Subresource}\",")}}
              "time": "{{e.Time}}"
            }
            """)) + "\n]";

    private sealed record ManagedEntry(string? Manager, string Time, string FieldsV1, string? Subresource = null);
}
