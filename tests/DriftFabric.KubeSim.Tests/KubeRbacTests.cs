using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace DriftFabric.KubeSim.Tests;

/// <summary>The simulated API server's RBAC authorizer, decision by decision, and its 401/403 over HTTP.</summary>
public sealed class KubeRbacTests
{
    private static readonly KubeUser Watcher = KubeUser.ServiceAccount("driftfabric", "driftfabric");

    private static RbacObjects Objects(string yaml) => RbacObjects.Of(KubeManifests.Read(yaml));

    private const string ReadDeploymentsInShop = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: driftfabric-read, namespace: shop}
        rules:
        - apiGroups: [apps]
          resources: [deployments]
          verbs: [get, list, watch]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: driftfabric-read, namespace: shop}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: driftfabric-read}
        subjects:
        - {kind: ServiceAccount, name: driftfabric, namespace: driftfabric}
        """;

    [Fact]
    public void A_role_grants_its_verbs_on_its_resources_in_its_namespace_only()
    {
        var objects = Objects(ReadDeploymentsInShop);

        Assert.True(KubeRbac.Allows(Watcher, new("watch", "apps", "deployments", null, "shop", null), objects));
        Assert.True(KubeRbac.Allows(Watcher, new("get", "apps", "deployments", null, "shop", "web"), objects));
        Assert.False(KubeRbac.Allows(Watcher, new("patch", "apps", "deployments", null, "shop", "web"), objects));
        Assert.False(KubeRbac.Allows(Watcher, new("list", "apps", "deployments", null, "other", null), objects));
        Assert.False(KubeRbac.Allows(Watcher, new("list", "apps", "deployments", null, null, null), objects));
        Assert.False(KubeRbac.Allows(Watcher, new("list", string.Empty, "configmaps", null, "shop", null), objects));
        Assert.False(KubeRbac.Allows(Watcher, new("list", "extensions", "deployments", null, "shop", null), objects));
        Assert.False(KubeRbac.Allows(KubeUser.ServiceAccount("other", "driftfabric"), new("list", "apps", "deployments", null, "shop", null), objects));
    }

    [Fact]
    public void A_role_binding_to_a_cluster_role_grants_it_in_the_binding_namespace_only()
    {
        var objects = Objects("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: view-config}
            rules:
            - {apiGroups: [""], resources: [configmaps], verbs: [get, list, watch]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: view-config, namespace: shop}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view-config}
            subjects:
            - {kind: Group, name: "system:serviceaccounts:driftfabric"}
            """);

        Assert.True(KubeRbac.Allows(Watcher, new("list", string.Empty, "configmaps", null, "shop", null), objects));
        Assert.False(KubeRbac.Allows(Watcher, new("list", string.Empty, "configmaps", null, "kube-system", null), objects));
        Assert.False(KubeRbac.Allows(Watcher, new("list", string.Empty, "configmaps", null, null, null), objects));
    }

    [Fact]
    public void An_aggregated_cluster_role_holds_the_rules_of_the_roles_its_labels_select_and_nothing_else()
    {
        const string Aggregated = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: driftfabric-cluster}
            aggregationRule:
              clusterRoleSelectors:
              - matchLabels: {rbac.driftfabric.io/aggregate-to-driftfabric: "true"}
            rules: []
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: driftfabric-cluster}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: driftfabric-cluster}
            subjects:
            - {kind: ServiceAccount, name: driftfabric, namespace: driftfabric}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: driftfabric-read-cluster
              labels: {rbac.driftfabric.io/aggregate-to-driftfabric: "true"}
            rules:
            - {apiGroups: [""], resources: [namespaces], verbs: [get, list, watch]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: unlabelled
            rules:
            - {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
            """;
        var objects = Objects(Aggregated);

        Assert.True(KubeRbac.Allows(Watcher, new("watch", string.Empty, "namespaces", null, null, null), objects));
        Assert.False(KubeRbac.Allows(Watcher, new("delete", string.Empty, "namespaces", null, null, "shop"), objects));

        // A role plugged in by its label (as the remediation component does) adds its rules.
        var plugged = Objects(Aggregated + """

            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: driftfabric-remediate-cluster
              labels: {rbac.driftfabric.io/aggregate-to-driftfabric: "true"}
            rules:
            - {apiGroups: [""], resources: [namespaces], verbs: [patch, create, delete]}
            """);
        Assert.True(KubeRbac.Allows(Watcher, new("delete", string.Empty, "namespaces", null, null, "shop"), plugged));
    }

    [Fact]
    public void Resource_names_subresources_and_wildcards_narrow_and_widen_as_kubernetes_does()
    {
        var objects = Objects("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: mixed}
            rules:
            - {apiGroups: [apiextensions.k8s.io], resources: [customresourcedefinitions], resourceNames: [widgets.example.com], verbs: [get]}
            - {apiGroups: [apps], resources: [deployments/scale], verbs: [patch]}
            - {apiGroups: [batch], resources: ["*"], verbs: ["*"]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: mixed}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: mixed}
            subjects:
            - {kind: User, name: "system:serviceaccount:driftfabric:driftfabric"}
            """);

        Assert.True(KubeRbac.Allows(Watcher, new("get", "apiextensions.k8s.io", "customresourcedefinitions", null, null, "widgets.example.com"), objects));
        Assert.False(KubeRbac.Allows(Watcher, new("get", "apiextensions.k8s.io", "customresourcedefinitions", null, null, "gadgets.example.com"), objects));
        Assert.False(KubeRbac.Allows(Watcher, new("list", "apiextensions.k8s.io", "customresourcedefinitions", null, null, null), objects));
        Assert.True(KubeRbac.Allows(Watcher, new("patch", "apps", "deployments", "scale", "shop", "web"), objects));
        Assert.False(KubeRbac.Allows(Watcher, new("patch", "apps", "deployments", null, "shop", "web"), objects));
        Assert.True(KubeRbac.Allows(Watcher, new("deletecollection", "batch", "jobs", null, "shop", null), objects));
    }

    [Fact]
    public void Discovery_is_open_to_any_authenticated_user_and_other_paths_are_not()
    {
        var none = Objects(string.Empty);

        Assert.True(KubeRbac.Allows(Watcher, KubeAccess.NonResource("/apis/apps/v1"), none));
        Assert.True(KubeRbac.Allows(Watcher, KubeAccess.NonResource("/version"), none));
        Assert.False(KubeRbac.Allows(Watcher, KubeAccess.NonResource("/metrics"), none));
        Assert.False(KubeRbac.Allows(new KubeUser("anonymous", []), KubeAccess.NonResource("/apis"), none));
    }

    [Fact]
    public void The_refusal_is_worded_as_the_kubernetes_api_server_words_it()
    {
        Assert.Equal(
            "deployments.apps \"web\" is forbidden: User \"system:serviceaccount:driftfabric:driftfabric\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"shop\"",
            KubeRbac.ForbiddenMessage(Watcher, new("patch", "apps", "deployments", null, "shop", "web")));
        Assert.Equal(
            "namespaces is forbidden: User \"system:serviceaccount:driftfabric:driftfabric\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope",
            KubeRbac.ForbiddenMessage(Watcher, new("list", string.Empty, "namespaces", null, null, null)));
    }

    [Fact]
    public async Task Over_http_an_unknown_token_is_401_a_refused_verb_is_a_kubernetes_403_and_granted_requests_pass()
    {
        await using var server = await KubeApiServer.StartAsync();
        server.Put(DriftFabric.Testing.Objects.Deployment("web", "shop", 2, "web:1"));
        foreach (var obj in KubeManifests.Read(ReadDeploymentsInShop))
        {
            server.Load(obj);
        }

        server.EnableRbac();
        var token = server.IssueToken(Watcher);
        using var http = new HttpClient { BaseAddress = server.BaseUri };

        async Task<(HttpStatusCode, JsonNode?)> Send(HttpMethod method, string path, string? bearer, string? body = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (bearer is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }

            if (body is not null)
            {
                request.Content = new StringContent(body, new MediaTypeHeaderValue("application/merge-patch+json"));
            }

            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
        }

        var (anonymous, _) = await Send(HttpMethod.Get, "apis/apps/v1/namespaces/shop/deployments", null);
        var (unknown, _) = await Send(HttpMethod.Get, "apis", "not-a-token");
        var (discovery, _) = await Send(HttpMethod.Get, "apis/apps/v1", token);
        var (list, _) = await Send(HttpMethod.Get, "apis/apps/v1/namespaces/shop/deployments", token);
        var (patch, status) = await Send(HttpMethod.Patch, "apis/apps/v1/namespaces/shop/deployments/web", token, """{"spec":{"replicas":9}}""");

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (anonymous, unknown));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (discovery, list));
        Assert.Equal(HttpStatusCode.Forbidden, patch);
        Assert.Equal(("Status", "Forbidden", 403), ((string?)status!["kind"], (string?)status["reason"], (int?)status["code"]));
        Assert.Equal("deployments", (string?)status["details"]!["kind"]);
        Assert.StartsWith("deployments.apps \"web\" is forbidden: User \"system:serviceaccount:driftfabric:driftfabric\" cannot patch", (string?)status["message"], StringComparison.Ordinal);
        Assert.Equal(2, (int)server.Get("apps/v1", "Deployment", "shop", "web")!["spec"]!["replicas"]!);
        Assert.Equal([401, 401, 403], server.Refusals.Select(r => r.Code));

        server.RevokeToken(token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "apis/apps/v1/namespaces/shop/deployments", token)).Item1);
    }
}
