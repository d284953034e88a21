using System.Text;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;
using DriftFabric.Engine.Paths;
using DriftFabric.Engine.Policy;

namespace DriftFabric.Engine.Proxies;

/// <summary>
/// One proxy judged: its declared config and what it runs, read as its kind reads them and
/// compared by its kind's rules, with every secret value sealed before a drift leaves.
/// </summary>
public static class ProxyComparison
{
    /// <summary>The resource a proxy's drifts name: <c>caddy/Proxy/_/edge</c>.</summary>
    public static ResourceKey Resource(ProxyKind kind, string name) => new(kind.ToText(), ResourceKey.ProxyResourceKind, ResourceKey.ClusterScope, name);

    /// <summary>
    /// The drifts of <paramref name="live"/> from <paramref name="desired"/>, ordered by path, with
    /// the fleet's ignore rules and severity overrides applied; a <see cref="ProxyReadException"/>
    /// (<see cref="ProxyProblem.Invalid"/>) naming the side that does not read.
    /// </summary>
    public static IReadOnlyList<Drift> Compare(ProxyKind kind, ResourceKey resource, byte[] desired, string desiredSource, byte[] live, string liveSource, DriftPolicy? policy = null)
    {
        if (policy is not null && policy.IgnoresResource(resource))
        {
            return [];
        }

        var source = new SourceLocation(desiredSource, 0);
        var digest = (policy ?? DriftPolicy.Default).SecretDigest;

        // Secret values are sealed in both configs before they are compared, so that no drift, of
        // whatever shape and at whatever depth, can carry one; equal values seal to equal digests.
        var drifts = kind switch
        {
            ProxyKind.Haproxy => HaproxyComparer.Compare(resource, HaproxyConfig(desired, desiredSource), HaproxyRuntime(live, liveSource), source),
            ProxyKind.Envoy => EnvoyComparer.Compare(resource, ProxySecrets.Seal(Json(desired, desiredSource), digest), desiredSource, ProxySecrets.Seal(Json(live, liveSource), digest), liveSource),
            _ => CaddyComparer.Compare(resource, ProxySecrets.Seal(CaddyComparer.ReadDeclared(desired, desiredSource), digest), ProxySecrets.Seal(CaddyComparer.ReadRunning(live, liveSource), digest), source),
        };
        return [.. Apply(policy, resource, drifts)];
    }

    /// <summary>
    /// The fleet policy's rules that select the proxy (<c>kind: Proxy</c> or <c>caddy/Proxy</c>,
    /// <c>resource: caddy/Proxy/_/edge</c>, or no selector): ignored paths drop the drifts at or
    /// below them, the first severity override that matches sets a drift's severity. The kind's
    /// own severities stand otherwise.
    /// </summary>
    private static IEnumerable<Drift> Apply(DriftPolicy? policy, ResourceKey resource, IReadOnlyList<Drift> drifts)
    {
        if (policy is null || (policy.Ignore.Count == 0 && policy.SeverityOverrides.Count == 0))
        {
            return drifts;
        }

        var ignored = policy.IgnoredPaths(resource);
        return drifts
            .Select(drift => (Drift: drift, Steps: PathStep.Parse(drift.Path, out _) ?? []))
            .Where(d => !ignored.Any(pattern => pattern.Covers(d.Steps)))
            .Select(d => policy.SeverityOverrides.FirstOrDefault(o => o.Matches(resource, d.Drift.Kind, d.Steps)) is { } rule ? d.Drift with { Severity = rule.Severity } : d.Drift);
    }

    /// <summary>
    /// Bounds for a proxy's config: it is one object, as large as <see cref="ProxyEndpoints.MaxBytes"/>
    /// (a sidecar of a large mesh dumps tens of megabytes), unlike a Kubernetes object.
    /// </summary>
    private static readonly ParseLimits ConfigLimits = ParseLimits.Default with
    {
        MaxObjectBytes = ProxyEndpoints.MaxBytes,
        MaxJsonFileBytes = ProxyEndpoints.MaxBytes,
        MaxNodes = 4_000_000,
    };

    /// <summary>A proxy's config as one JSON object (Caddy's config, an Envoy config dump).</summary>
    public static MapNode Json(byte[] bytes, string source)
    {
        try
        {
            if (JsonReader.ReadValues(bytes, ConfigLimits) is [MapNode config])
            {
                return config;
            }
        }
        catch (ParseException e)
        {
            throw new ProxyReadException(ProxyProblem.Invalid, source, e.Message, e.Line, e);
        }

        throw new ProxyReadException(ProxyProblem.Invalid, source, "a proxy config is one JSON object");
    }

    private static HaproxyDeclared HaproxyConfig(byte[] bytes, string source)
    {
        var errors = new List<ManifestError>();
        var declared = HaproxyComparer.ParseDeclared(Encoding.UTF8.GetString(bytes), source, errors);
        return errors.Count == 0 ? declared : throw new ProxyReadException(ProxyProblem.Invalid, source, string.Join("; ", errors.Select(e => $"line {e.Line}: {e.Message}")), errors[0].Line);
    }

    private static HaproxyRuntime HaproxyRuntime(byte[] bytes, string source)
    {
        var errors = new List<ManifestError>();
        return HaproxyComparer.ParseRuntime(Encoding.UTF8.GetString(bytes), source, errors)
            ?? throw new ProxyReadException(ProxyProblem.Invalid, source, string.Join("; ", errors.Select(e => e.Message)));
    }
}

/// <summary>
/// Secret values in proxy configs (passwords and password hashes, tokens, private keys, the values
/// of authentication headers) are replaced by their digests (<c>sha256:</c> or <c>hmac:</c>, as the
/// policy's <see cref="SecretDigest"/> shows Secret data), before a
/// config is compared: a drift can then hold no secret, whether it is the value itself, a list or
/// map around it, or a field below a secret (<c>private_key/inline_string</c>).
/// </summary>
public static class ProxySecrets
{
    /// <summary>The config with every secret value sealed (the same instance when it holds none).</summary>
    public static MapNode Seal(MapNode config, SecretDigest digest) => (MapNode)SealWithin(config, Context.None, digest);

    /// <summary>Names whose values are secrets wherever they are.</summary>
    public static bool IsSecretName(string name) =>
        name.Contains("password", StringComparison.OrdinalIgnoreCase) || name.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || name.Contains("token", StringComparison.OrdinalIgnoreCase) || name.Contains("private_key", StringComparison.OrdinalIgnoreCase)
        || name.Equals("key", StringComparison.Ordinal) || name.Equals("api_key", StringComparison.OrdinalIgnoreCase);

    /// <summary>Headers that carry credentials.</summary>
    public static bool IsAuthHeader(string name) =>
        name.Contains("auth", StringComparison.OrdinalIgnoreCase) || name.Equals("Cookie", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase) || name.Contains("api-key", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Below a secret name whose value is an object: its fields that hold the secret itself (an
    /// Envoy data source's <c>inline_string</c>, a <c>value</c>) are sealed, its references
    /// (names, file names, SDS configs) stay readable. In the list of rules under an auth header's
    /// name every value is sealed (a rule that sets, adds or replaces the header carries the credential).
    /// </summary>
    private enum Context
    {
        None,
        Secret,
        AuthHeader,
    }

    private static readonly string[] SecretHolders = ["inline_string", "inline_bytes", "value"];

    /// <summary>A value a secret can be: a scalar, or a list of scalars (a header's values).</summary>
    private static bool IsPlain(Node? node) => node is null or ScalarNode || (node is ListNode list && list.Items.All(i => i is ScalarNode));

    private static Node? SealAll(Node? node, SecretDigest digest) => node switch
    {
        null => null,
        // Nothing to hide in an empty value, and proto3 reads "" as absent.
        ScalarNode { Kind: NodeKind.Null } or ScalarNode { Text.Length: 0 } => node,
        ScalarNode scalar => ScalarNode.String(SecretValues.DigestOfText(scalar.Text, digest), scalar.Line),
        ListNode list => new ListNode([.. list.Items.Select(i => SealAll(i, digest)!)], list.Line),
        MapNode map => map.Entries.Aggregate(map, (m, e) => m.With(e.Key, SealAll(e.Value, digest)!)),
        _ => node,
    };

    private static Node SealWithin(Node node, Context context, SecretDigest digest)
    {
        switch (node)
        {
            case MapNode map:
                var result = map;
                // Envoy's header form, { key: authorization, value: ... }: the name stays, the value is sealed.
                var pair = map["key"] is ScalarNode { Kind: NodeKind.String } pairName && map["value"] is not null ? pairName.Text : null;
                foreach (var (key, value) in map.Entries)
                {
                    Node sealedValue;
                    if (pair is not null && key == "key")
                    {
                        sealedValue = value;
                    }
                    else if (context == Context.AuthHeader || (pair is not null && key == "value" && IsAuthHeader(pair))
                        || (IsPlain(value) && (IsSecretName(key) || IsAuthHeader(key) || (context == Context.Secret && Array.IndexOf(SecretHolders, key) >= 0))))
                    {
                        sealedValue = SealAll(value, digest)!;
                    }
                    else
                    {
                        // An auth header's rules are a list (Caddy's replace: [{search, replace}]); an object under an
                        // "auth" name (TLS client_authentication) is config, read field by field.
                        var inner = IsAuthHeader(key) && value is ListNode ? Context.AuthHeader : IsSecretName(key) ? Context.Secret : context;
                        sealedValue = SealWithin(value, inner, digest);
                    }

                    if (!ReferenceEquals(sealedValue, value))
                    {
                        result = result.With(key, sealedValue);
                    }
                }

                return result;
            case ListNode list:
                var items = list.Items.Select(i => SealWithin(i, context, digest)).ToList();
                return items.Zip(list.Items).All(p => ReferenceEquals(p.First, p.Second)) ? list : new ListNode([.. items], list.Line);
            case ScalarNode { Kind: not NodeKind.Null } when context == Context.AuthHeader:
                return SealAll(node, digest)!;
            default:
                return node;
        }
    }
}
