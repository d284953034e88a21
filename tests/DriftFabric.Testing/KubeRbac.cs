using System.Text.Json.Nodes;

namespace DriftFabric.Testing;

/// <summary>Who a request comes from, as the API server's authenticator makes it from a bearer token.</summary>
public sealed record KubeUser(string Name, IReadOnlyList<string> Groups)
{
    public const string Authenticated = "system:authenticated";

    /// <summary>The user a ServiceAccount's token authenticates as, with the groups Kubernetes gives every ServiceAccount.</summary>
    public static KubeUser ServiceAccount(string ns, string name) =>
        new($"system:serviceaccount:{ns}:{name}", ["system:serviceaccounts", "system:serviceaccounts:" + ns, Authenticated]);

    /// <summary>A cluster administrator (group <c>system:masters</c>, which Kubernetes lets do anything without a role): the test's own kubectl.</summary>
    public static KubeUser Admin(string name = "kubernetes-admin") => new(name, ["system:masters", Authenticated]);
}

/// <summary>
/// What is asked of the authorizer, as Kubernetes' request-info resolver reads it off a request: a
/// resource request (verb, API group, resource, subresource, namespace, name) or a non-resource
/// one (a path such as <c>/apis</c>, verb <c>get</c>).
/// </summary>
public sealed record KubeAccess(string Verb, string Group, string Resource, string? Subresource, string? Namespace, string? Name)
{
    /// <summary>The path of a non-resource request (discovery, <c>/version</c>); null for a resource request.</summary>
    public string? Path { get; init; }

    public static KubeAccess NonResource(string path, string verb = "get") => new(verb, string.Empty, string.Empty, null, null, null) { Path = path };
}

/// <summary>
/// Kubernetes' RBAC authorizer over the Role, ClusterRole, RoleBinding and ClusterRoleBinding
/// objects a server holds: a request is allowed when a rule of a role bound to the user (or one of
/// its groups, or its ServiceAccount) covers it. A RoleBinding grants its role's rules in its own
/// namespace only, even when it names a ClusterRole; a ClusterRoleBinding grants them everywhere.
/// A ClusterRole with an <c>aggregationRule</c> holds the rules of every ClusterRole whose labels
/// match one of its selectors, computed at each decision (the real controller writes them in;
/// here nothing can be stale). Built in, as a real cluster bootstraps them: <c>system:masters</c>
/// may do anything, and <c>system:discovery</c>'s paths are open to every authenticated user.
/// </summary>
public static class KubeRbac
{
    public const string Group = "rbac.authorization.k8s.io";

    /// <summary>The paths the default <c>system:discovery</c> ClusterRole grants to <c>system:authenticated</c>.</summary>
    private static readonly string[] DiscoveryPaths = ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz", "/version", "/version/", "/openapi", "/openapi/*"];

    /// <summary>Whether <paramref name="user"/> may do <paramref name="access"/>, given the RBAC objects (JSON, as stored) of each kind.</summary>
    public static bool Allows(KubeUser user, KubeAccess access, RbacObjects objects)
    {
        if (user.Groups.Contains("system:masters"))
        {
            return true;
        }

        if (access.Path is { } path && user.Groups.Contains(KubeUser.Authenticated) && DiscoveryPaths.Any(p => PathMatches(p, path)))
        {
            return true;
        }

        foreach (var binding in objects.ClusterRoleBindings)
        {
            if (Binds(binding, user, bindingNamespace: null) && RulesOf(binding, null, objects).Any(r => Covers(r, access)))
            {
                return true;
            }
        }

        if (access.Namespace is not { } ns || access.Path is not null)
        {
            return false;
        }

        foreach (var binding in objects.RoleBindings.Where(b => NamespaceOf(b) == ns))
        {
            if (Binds(binding, user, ns) && RulesOf(binding, ns, objects).Any(r => Covers(r, access)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The message of Kubernetes' 403 for a refused request, as its API server words it
    /// (<c>deployments.apps "web" is forbidden: User "..." cannot patch resource "deployments" in API group "apps" in the namespace "shop"</c>).
    /// </summary>
    public static string ForbiddenMessage(KubeUser user, KubeAccess access)
    {
        if (access.Path is { } path)
        {
            return $"forbidden: User \"{user.Name}\" cannot {access.Verb} path \"{path}\"";
        }

        var resource = access.Subresource is null ? access.Resource : access.Resource + "/" + access.Subresource;
        var why = access.Namespace is { Length: > 0 } ns
            ? $"User \"{user.Name}\" cannot {access.Verb} resource \"{resource}\" in API group \"{access.Group}\" in the namespace \"{ns}\""
            : $"User \"{user.Name}\" cannot {access.Verb} resource \"{resource}\" in API group \"{access.Group}\" at the cluster scope";
        var qualified = access.Group.Length == 0 ? access.Resource : $"{access.Resource}.{access.Group}";
        return access.Name is { Length: > 0 } name ? $"{qualified} \"{name}\" is forbidden: {why}" : $"{qualified} is forbidden: {why}";
    }

    private static bool Binds(JsonObject binding, KubeUser user, string? bindingNamespace)
    {
        foreach (var subject in binding["subjects"]?.AsArray() ?? [])
        {
            var kind = (string?)subject?["kind"];
            var name = (string?)subject?["name"];
            var matched = kind switch
            {
                "User" => name == user.Name,
                "Group" => name is not null && user.Groups.Contains(name),
                "ServiceAccount" => $"system:serviceaccount:{(string?)subject?["namespace"] ?? bindingNamespace}:{name}" == user.Name,
                _ => false,
            };
            if (matched)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The rules of the role a binding refers to: a Role of the binding's namespace, or a ClusterRole (its aggregated rules included).</summary>
    private static IEnumerable<JsonObject> RulesOf(JsonObject binding, string? ns, RbacObjects objects)
    {
        var reference = binding["roleRef"];
        var name = (string?)reference?["name"];
        return (string?)reference?["kind"] switch
        {
            "Role" when ns is not null => objects.Roles.Where(r => NamespaceOf(r) == ns && NameOf(r) == name).SelectMany(Rules),
            "ClusterRole" => objects.ClusterRoles.Where(r => NameOf(r) == name).SelectMany(r => ClusterRoleRules(r, objects)),
            _ => [],
        };
    }

    private static IEnumerable<JsonObject> ClusterRoleRules(JsonObject role, RbacObjects objects)
    {
        var own = Rules(role);
        if (role["aggregationRule"]?["clusterRoleSelectors"] is not JsonArray selectors)
        {
            return own;
        }

        // Aggregation is one level deep, as the controller does it: the selected roles' own rules.
        var aggregated = objects.ClusterRoles
            .Where(other => !ReferenceEquals(other, role) && selectors.Any(s => s is JsonObject selector && LabelsMatch(selector, other["metadata"]?["labels"] as JsonObject)))
            .SelectMany(Rules);
        return own.Concat(aggregated);
    }

    private static bool LabelsMatch(JsonObject selector, JsonObject? labels)
    {
        foreach (var (key, value) in selector["matchLabels"]?.AsObject() ?? [])
        {
            if ((string?)labels?[key] != (string?)value)
            {
                return false;
            }
        }

        foreach (var expression in selector["matchExpressions"]?.AsArray() ?? [])
        {
            var key = (string?)expression?["key"] ?? string.Empty;
            var values = expression?["values"]?.AsArray().Select(v => (string?)v).ToList() ?? [];
            var has = labels?.ContainsKey(key) == true;
            var value = (string?)labels?[key];
            var holds = (string?)expression?["operator"] switch
            {
                "In" => has && values.Contains(value),
                "NotIn" => !has || !values.Contains(value),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!holds)
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<JsonObject> Rules(JsonObject role) => (role["rules"] as JsonArray ?? []).OfType<JsonObject>();

    /// <summary>Whether one PolicyRule covers the request, as Kubernetes' <c>RuleAllows</c> decides.</summary>
    private static bool Covers(JsonObject rule, KubeAccess access)
    {
        if (!Has(rule["verbs"], access.Verb))
        {
            return false;
        }

        if (access.Path is { } path)
        {
            return (rule["nonResourceURLs"] as JsonArray ?? []).Any(p => PathMatches((string?)p ?? string.Empty, path));
        }

        if (!Has(rule["apiGroups"], access.Group))
        {
            return false;
        }

        var combined = access.Subresource is null ? access.Resource : access.Resource + "/" + access.Subresource;
        var resources = (rule["resources"] as JsonArray ?? []).Select(r => (string?)r).ToList();
        var resourceMatches = resources.Any(r => r == "*" || r == combined
            || (access.Subresource is not null && (r == "*/" + access.Subresource || r == access.Resource + "/*")));
        if (!resourceMatches)
        {
            return false;
        }

        // resourceNames narrow a rule to named objects: a list, a watch or a create names none, so such a rule never covers them.
        var names = rule["resourceNames"] as JsonArray;
        return names is not { Count: > 0 } || (access.Name is { Length: > 0 } name && names.Any(n => (string?)n == name));
    }

    private static bool Has(JsonNode? values, string value) => (values as JsonArray ?? []).Any(v => (string?)v == "*" || (string?)v == value);

    private static bool PathMatches(string pattern, string path) =>
        pattern == "*" || pattern == path || (pattern.EndsWith('*') && path.StartsWith(pattern[..^1], StringComparison.Ordinal));

    private static string? NamespaceOf(JsonObject obj) => (string?)obj["metadata"]?["namespace"];

    private static string? NameOf(JsonObject obj) => (string?)obj["metadata"]?["name"];
}

/// <summary>The RBAC objects an authorization decision reads, parsed.</summary>
public sealed record RbacObjects(IReadOnlyList<JsonObject> Roles, IReadOnlyList<JsonObject> ClusterRoles, IReadOnlyList<JsonObject> RoleBindings, IReadOnlyList<JsonObject> ClusterRoleBindings)
{
    /// <summary>Sorts manifests (rendered YAML read as JSON, or a server's stored objects) by their kind.</summary>
    public static RbacObjects Of(IEnumerable<JsonObject> objects)
    {
        var all = objects.Where(o => ((string?)o["apiVersion"])?.StartsWith(KubeRbac.Group + "/", StringComparison.Ordinal) == true).ToList();
        List<JsonObject> Of(string kind) => [.. all.Where(o => (string?)o["kind"] == kind)];
        return new RbacObjects(Of("Role"), Of("ClusterRole"), Of("RoleBinding"), Of("ClusterRoleBinding"));
    }
}
