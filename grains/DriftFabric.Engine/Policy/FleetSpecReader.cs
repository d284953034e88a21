using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Ownership;
using DriftFabric.Engine.Parsing;
using DriftFabric.Engine.Paths;
using DriftFabric.Engine.Proxies;

namespace DriftFabric.Engine.Policy;

/// <summary>A fleet spec as read: the policy and tenants built from its valid parts, and an error for each invalid one.</summary>
public sealed record FleetSpec(DriftPolicy Policy, IReadOnlyList<ManifestError> Errors)
{
    public IReadOnlyList<TenantSpec> Tenants { get; init; } = [];

    /// <summary>Labels that name the service an object belongs to, in order; the object's name is the last resort.</summary>
    public IReadOnlyList<string> ServiceLabels { get; init; } = FleetSpecReader.DefaultServiceLabels;

    /// <summary>How much of each tenant's event log is kept unless the tenant says otherwise.</summary>
    public EventLogSpec Events { get; init; } = EventLogSpec.Default;

    /// <summary>Webhook sinks that drift events are sent to.</summary>
    public IReadOnlyList<WebhookSpec> Notifications { get; init; } = [];
}

/// <summary>
/// A webhook that drift events are posted to, signed with HMAC-SHA256 under the key held by the
/// environment variable <see cref="SecretEnv"/> (never the spec). Events pass when they belong to
/// one of <see cref="Tenants"/> (empty: all), are at least <see cref="MinSeverity"/>, of one of
/// <see cref="Kinds"/> and <see cref="Events"/> (empty: all), and, with <see cref="SkippedReview"/>,
/// were written by an out-of-band manager.
/// </summary>
public sealed record WebhookSpec(
    string Name,
    Uri Url,
    string Format,
    string SecretEnv,
    IReadOnlyList<string> Tenants,
    Severity MinSeverity,
    IReadOnlyList<DriftKind> Kinds,
    IReadOnlyList<string> Events,
    bool SkippedReview,
    SourceLocation Location)
{
    public const string JsonFormat = "json";
    public const string SlackFormat = "slack";
    public static readonly IReadOnlyList<string> EventTypes = ["opened", "changed", "resolved", "remediated"];
}

/// <summary>A tenant's event log keeps its newest <see cref="MaxLength"/> events, none older than <see cref="MaxAge"/>.</summary>
public sealed record EventLogSpec(int MaxLength, TimeSpan MaxAge)
{
    public static readonly EventLogSpec Default = new(100_000, TimeSpan.FromDays(7));
}

/// <summary>A tenant of the fleet and its clusters.</summary>
public sealed record TenantSpec(string Name, IReadOnlyList<ClusterSpec> Clusters, SourceLocation Location)
{
    public EventLogSpec Events { get; init; } = EventLogSpec.Default;
}

/// <summary>
/// A cluster: where its desired state lives (a directory of the IaC repo) and its live state
/// (a snapshot file or directory of <c>kubectl get -o json</c> output). Paths are absolute,
/// resolved against the fleet spec's folder.
/// </summary>
public sealed record ClusterSpec(
    string Name,
    string DesiredPath,
    string LivePath,
    string DefaultNamespace,
    IReadOnlyList<string> ServiceLabels,
    TimeSpan PollInterval,
    SourceLocation Location)
{
    /// <summary>The cluster's API server, when live state is watched rather than read from a snapshot.</summary>
    public KubeSourceSpec? Kube { get; init; }

    /// <summary>The access proxies and data-plane proxies of the cluster.</summary>
    public IReadOnlyList<ProxySpec> Proxies { get; init; } = [];
}

/// <summary>
/// A proxy of a cluster: its kind, where its running config is read (<see cref="Admin"/>: an
/// http(s) admin URL, <c>unix:PATH</c> or <c>tcp://HOST:PORT</c> for HAProxy's runtime API, or a
/// file), its declared config (a file of the IaC repo), how often it is read, how long a read may
/// take, and the services it fronts (<c>namespace/name</c>), whose drift its drift is part of.
/// </summary>
public sealed record ProxySpec(
    string Name,
    ProxyKind Kind,
    string Admin,
    string DesiredPath,
    TimeSpan PollInterval,
    TimeSpan Timeout,
    IReadOnlyList<(string Namespace, string Name)> Services,
    SourceLocation Location)
{
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);
}

/// <summary>A kubeconfig context (or the pod's own service account) and the request budget for it.</summary>
public sealed record KubeSourceSpec(string? Kubeconfig, string? Context, bool InCluster, int Qps, int Burst);

/// <summary>
/// Reads <c>driftfabric.yaml</c>: ignore rules, extra appliers and controllers, severity
/// overrides and the default namespace. Every error names file, line and field
/// (<c>driftfabric.yaml:12: ignore[1].path: ...</c>); unknown fields are errors, so a typo never
/// silently turns a rule off.
/// </summary>
public static class FleetSpecReader
{
    public const string ApiVersion = "driftfabric.io/v1alpha1";
    public const string Kind = "Fleet";

    public static readonly IReadOnlyList<string> DefaultServiceLabels = ["app.kubernetes.io/name", "app"];

    private static readonly string[] TopLevelFields = ["apiVersion", "kind", "defaultNamespace", "serviceLabels", "managers", "ignore", "severity", "remediation", "tenants", "events", "notifications"];
    private static readonly string[] RemediationFields = ["tenant", "kind", "namespace", "resource", "minSeverity", "action", "maxReverts", "window", "backoff"];
    private static readonly string[] WebhookFields = ["name", "url", "format", "secretEnv", "tenants", "minSeverity", "kinds", "events", "skippedReview"];
    private static readonly string[] TenantFields = ["name", "clusters", "events"];
    private static readonly string[] EventFields = ["maxLength", "maxAge"];
    private static readonly string[] ClusterFields = ["name", "desired", "live", "defaultNamespace", "serviceLabels", "pollInterval", "proxies"];
    private static readonly string[] ProxyFields = ["name", "kind", "admin", "desired", "pollInterval", "timeout", "services"];
    private static readonly string[] LiveFields = ["snapshot", "kubeconfig", "context", "inCluster", "qps", "burst"];
    private static readonly string[] ManagerFields = ["appliers", "controllers"];
    private static readonly string[] SelectorFields = ["kind", "namespace", "resource"];
    private static readonly string[] IgnoreFields = [.. SelectorFields, "path", "reason"];
    private static readonly string[] SeverityFields = [.. SelectorFields, "path", "driftKind", "severity"];

    /// <summary>
    /// The spec's drift policy alone (every section but <c>tenants</c>, <c>events</c> and <c>notifications</c>), as JSON:
    /// what a service needs to judge its resources, without the fleet's topology, which grows
    /// with every cluster and would otherwise be copied into every service. Text that does not
    /// parse is returned as it is (its errors were reported when the spec was loaded).
    /// </summary>
    public static string PolicyText(string text)
    {
        try
        {
            if (YamlReader.ReadSingle(text) is MapNode map)
            {
                var keys = new List<string>();
                var values = new List<Node>();
                foreach (var (key, value) in map.Entries)
                {
                    if (key is not ("tenants" or "events" or "notifications"))
                    {
                        keys.Add(key);
                        values.Add(value);
                    }
                }

                return new MapNode([.. keys], [.. values], 1).ToJson();
            }
        }
        catch (ParseException)
        {
        }

        return text;
    }

    public static FleetSpec Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FleetSpec(DriftPolicy.Default, [new ManifestError(path, 0, "cannot read fleet spec: " + e.Message)]);
        }

        return Parse(path, text, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <param name="baseDirectory">Folder that relative cluster paths are resolved against, and checked to exist in; null to leave them unchecked.</param>
    public static FleetSpec Parse(string source, string text, string? baseDirectory = null)
    {
        var reader = new Reader(source);
        Node? root;
        try
        {
            root = YamlReader.ReadSingle(text);
        }
        catch (ParseException e)
        {
            return new FleetSpec(DriftPolicy.Default, [new ManifestError(source, e.Line, e.Message)]);
        }

        if (root is null)
        {
            return new FleetSpec(DriftPolicy.Default, []);
        }

        if (root is not MapNode map)
        {
            return new FleetSpec(DriftPolicy.Default, [new ManifestError(source, root.Line, "a fleet spec is a mapping")]);
        }

        reader.CheckFields(map, TopLevelFields, string.Empty);
        reader.ExpectConstant(map, "apiVersion", ApiVersion);
        reader.ExpectConstant(map, "kind", Kind);

        var policy = new DriftPolicy
        {
            DefaultNamespace = reader.OptionalString(map, "defaultNamespace", "defaultNamespace") ?? "default",
            Managers = ReadManagers(map, reader),
            Ignore = ReadList(map, "ignore", reader, ReadIgnoreRule),
            SeverityOverrides = ReadList(map, "severity", reader, ReadSeverityOverride),
            Remediation = ReadList(map, "remediation", reader, ReadRemediationRule),
        };
        var serviceLabels = Reader.Has(map, "serviceLabels") ? reader.StringList(map, "serviceLabels", "serviceLabels") : [.. DefaultServiceLabels];
        var events = ReadEvents(map, "events", reader, EventLogSpec.Default);
        var defaults = new ClusterDefaults(policy.DefaultNamespace, serviceLabels, baseDirectory, events);
        var tenants = ReadList(map, "tenants", reader, (item, name, r) => ReadTenant(item, name, r, defaults));
        CheckUnique(tenants.Select(t => (t.Name, t.Location)), "tenants", "tenant", reader);
        var notifications = ReadList(map, "notifications", reader, ReadWebhook);
        CheckUnique(notifications.Select(n => (n.Name, n.Location)), "notifications", "webhook", reader);
        foreach (var webhook in notifications.ToList())
        {
            foreach (var tenant in webhook.Tenants.Where(t => !tenants.Exists(known => known.Name == t)))
            {
                reader.Errors.Add(new ManifestError(webhook.Location.Source, webhook.Location.Line, $"notifications: webhook '{webhook.Name}' names tenant '{tenant}', which the spec does not declare"));
                notifications.Remove(webhook);
            }
        }

        return new FleetSpec(policy, reader.Errors) { Tenants = tenants, ServiceLabels = serviceLabels, Events = events, Notifications = notifications };
    }

    private static WebhookSpec? ReadWebhook(MapNode item, string name, Reader reader)
    {
        var errors = reader.Errors.Count;
        reader.CheckFields(item, WebhookFields, name);
        var hook = reader.RequiredName(item, "name", name + ".name");
        Uri? url = null;
        if (reader.OptionalString(item, "url", name + ".url") is not { } urlText)
        {
            reader.Error(item, name + ".url", "is required (http:// or https://)");
        }
        else if (!Uri.TryCreate(urlText, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https"))
        {
            reader.Error(item["url"]!, name + ".url", $"'{urlText}' is not an http:// or https:// URL");
        }

        var format = reader.OptionalString(item, "format", name + ".format") ?? WebhookSpec.JsonFormat;
        if (format is not (WebhookSpec.JsonFormat or WebhookSpec.SlackFormat))
        {
            reader.Error(item["format"]!, name + ".format", $"'{format}' is not json or slack");
        }

        var secretEnv = reader.OptionalString(item, "secretEnv", name + ".secretEnv");
        if (secretEnv is null)
        {
            reader.Error(item, name + ".secretEnv", "is required: the environment variable holding the HMAC-SHA256 signing key");
        }

        var minSeverity = Severity.Low;
        if (reader.OptionalString(item, "minSeverity", name + ".minSeverity") is { } severityText && !DriftNames.TryParseSeverity(severityText, out minSeverity))
        {
            reader.Error(item["minSeverity"]!, name + ".minSeverity", $"'{severityText}' is not one of low, medium, high, critical");
        }

        var kinds = new List<DriftKind>();
        foreach (var kindText in reader.StringList(item, "kinds", name + ".kinds"))
        {
            if (DriftNames.TryParseKind(kindText, out var kind))
            {
                kinds.Add(kind);
            }
            else
            {
                reader.Error(item["kinds"]!, name + ".kinds", $"'{kindText}' is not one of Missing, Modified, Added, Unmanaged");
            }
        }

        var events = reader.StringList(item, "events", name + ".events");
        foreach (var type in events.Where(e => !WebhookSpec.EventTypes.Contains(e)))
        {
            reader.Error(item["events"]!, name + ".events", $"'{type}' is not one of opened, changed, resolved, remediated");
        }

        var skippedReview = false;
        switch (item["skippedReview"])
        {
            case null:
                break;
            case ScalarNode { Kind: NodeKind.Bool } flag:
                skippedReview = flag.BoolValue;
                break;
            case { } other:
                reader.Error(other, name + ".skippedReview", "must be true or false");
                break;
        }

        var tenants = reader.StringList(item, "tenants", name + ".tenants");
        return reader.Errors.Count > errors || hook is null || url is null || secretEnv is null
            ? null
            : new WebhookSpec(hook, url, format, secretEnv, tenants, minSeverity, kinds, events, skippedReview, reader.Location(item));
    }

    private sealed record ClusterDefaults(string Namespace, IReadOnlyList<string> ServiceLabels, string? BaseDirectory, EventLogSpec Events);

    /// <summary><c>events: { maxLength: 100000, maxAge: 7d }</c>; either may be left out to keep the default.</summary>
    private static EventLogSpec ReadEvents(MapNode parent, string field, Reader reader, EventLogSpec defaults)
    {
        switch (parent["events"])
        {
            case null:
                return defaults;
            case MapNode events:
                reader.CheckFields(events, EventFields, field);
                var length = reader.OptionalCount(events, "maxLength", field + ".maxLength", max: 100_000_000) ?? defaults.MaxLength;
                var age = defaults.MaxAge;
                if (reader.OptionalString(events, "maxAge", field + ".maxAge") is { } ageText)
                {
                    if (!TryParseDuration(ageText, out age) || age <= TimeSpan.Zero)
                    {
                        reader.Error(events["maxAge"]!, field + ".maxAge", $"'{ageText}' is not a positive duration (e.g. 12h, 7d)");
                        age = defaults.MaxAge;
                    }
                }

                return new EventLogSpec(length, age);
            case { } other:
                reader.Error(other, field, "must be a mapping ({ maxLength: N, maxAge: DURATION })");
                return defaults;
        }
    }

    private static TenantSpec? ReadTenant(MapNode item, string name, Reader reader, ClusterDefaults defaults)
    {
        var errors = reader.Errors.Count;
        reader.CheckFields(item, TenantFields, name);
        var tenant = reader.RequiredName(item, "name", name + ".name");
        var clusters = ReadList(item, "clusters", reader, (c, n, r) => ReadCluster(c, $"{name}.{n}", r, defaults));
        if (clusters.Count == 0 && reader.Errors.Count == errors)
        {
            reader.Error(item, name + ".clusters", "a tenant needs at least one cluster");
        }

        CheckUnique(clusters.Select(c => (c.Name, c.Location)), name + ".clusters", "cluster", reader);
        var events = ReadEvents(item, name + ".events", reader, defaults.Events);
        return reader.Errors.Count > errors || tenant is null ? null : new TenantSpec(tenant, clusters, reader.Location(item)) { Events = events };
    }

    private static ClusterSpec? ReadCluster(MapNode item, string name, Reader reader, ClusterDefaults defaults)
    {
        var errors = reader.Errors.Count;
        reader.CheckFields(item, ClusterFields, name);
        var cluster = reader.RequiredName(item, "name", name + ".name");
        var desired = reader.RequiredPath(item, "desired", name + ".desired", defaults.BaseDirectory);
        string? live = null;
        KubeSourceSpec? kube = null;
        const string LiveForms = "live: { snapshot: PATH }, live: { kubeconfig: PATH, context: NAME } or live: { inCluster: true }";
        switch (item["live"])
        {
            case MapNode liveMap:
                reader.CheckFields(liveMap, LiveFields, name + ".live");
                var inCluster = liveMap["inCluster"] is ScalarNode { Kind: NodeKind.Bool, BoolValue: true };
                var forms = (Reader.Has(liveMap, "snapshot") ? 1 : 0) + (Reader.Has(liveMap, "kubeconfig") ? 1 : 0) + (inCluster ? 1 : 0);
                if (forms != 1)
                {
                    reader.Error(liveMap, name + ".live", $"needs exactly one of {LiveForms}");
                }
                else if (Reader.Has(liveMap, "snapshot"))
                {
                    live = reader.RequiredPath(liveMap, "snapshot", name + ".live.snapshot", defaults.BaseDirectory);
                }
                else
                {
                    var kubeconfig = inCluster ? null : reader.RequiredPath(liveMap, "kubeconfig", name + ".live.kubeconfig", defaults.BaseDirectory);
                    var qps = reader.OptionalCount(liveMap, "qps", name + ".live.qps") ?? 20;
                    var burst = reader.OptionalCount(liveMap, "burst", name + ".live.burst") ?? qps * 2;
                    kube = new KubeSourceSpec(kubeconfig, reader.OptionalString(liveMap, "context", name + ".live.context"), inCluster, qps, burst);
                    live = string.Empty;
                }

                break;
            case null:
                reader.Error(item, name + ".live", $"is required ({LiveForms})");
                break;
            case { } other:
                reader.Error(other, name + ".live", $"must be a mapping ({LiveForms})");
                break;
        }

        var poll = reader.OptionalDuration(item, "pollInterval", name + ".pollInterval", TimeSpan.FromSeconds(1));
        var labels = Reader.Has(item, "serviceLabels") ? reader.StringList(item, "serviceLabels", name + ".serviceLabels") : defaults.ServiceLabels;
        var ns = reader.OptionalString(item, "defaultNamespace", name + ".defaultNamespace") ?? defaults.Namespace;
        var proxies = ReadList(item, "proxies", reader, (p, n, r) => ReadProxy(p, $"{name}.{n}", r, ns, defaults.BaseDirectory));
        CheckUnique(proxies.Select(p => (p.Name, p.Location)), name + ".proxies", "proxy", reader);
        return reader.Errors.Count > errors || cluster is null || desired is null || live is null
            ? null
            : new ClusterSpec(cluster, desired, live, ns, labels, poll, reader.Location(item)) { Kube = kube, Proxies = proxies };
    }

    private static ProxySpec? ReadProxy(MapNode item, string name, Reader reader, string defaultNamespace, string? baseDirectory)
    {
        var errors = reader.Errors.Count;
        reader.CheckFields(item, ProxyFields, name);
        var proxy = reader.RequiredName(item, "name", name + ".name");
        var kindText = reader.OptionalString(item, "kind", name + ".kind");
        var kind = ProxyKind.Caddy;
        if (kindText is null)
        {
            reader.Error(item, name + ".kind", $"is required ({string.Join(", ", ProxyKinds.Names)})");
        }
        else if (!ProxyKinds.TryParse(kindText, out kind))
        {
            reader.Error(item["kind"]!, name + ".kind", $"'{kindText}' is not one of {string.Join(", ", ProxyKinds.Names)}");
        }

        var admin = ReadAdmin(item, name + ".admin", reader, kind, baseDirectory);
        var desired = reader.RequiredPath(item, "desired", name + ".desired", baseDirectory);
        var poll = reader.OptionalDuration(item, "pollInterval", name + ".pollInterval", ProxySpec.DefaultPollInterval);
        var timeout = reader.OptionalDuration(item, "timeout", name + ".timeout", ProxySpec.DefaultTimeout);
        var services = new List<(string, string)>();
        foreach (var service in reader.StringList(item, "services", name + ".services"))
        {
            var parts = service.Split('/');
            if (parts.Length > 2 || parts.Any(p => p.Length == 0))
            {
                reader.Error(item["services"]!, name + ".services", $"'{service}' is not namespace/name or name (in {defaultNamespace})");
                continue;
            }

            services.Add(parts.Length == 2 ? (parts[0], parts[1]) : (defaultNamespace, parts[0]));
        }

        if (services.Count == 0 && reader.Errors.Count == errors)
        {
            reader.Error(item, name + ".services", "names the services the proxy fronts (namespace/name): its drift is theirs");
        }

        return reader.Errors.Count > errors || proxy is null || admin is null || desired is null
            ? null
            : new ProxySpec(proxy, kind, admin, desired, poll, timeout, services.Distinct().ToList(), reader.Location(item));
    }

    /// <summary>An http(s) admin URL, HAProxy's runtime API (<c>unix:PATH</c>, <c>tcp://HOST:PORT</c>), or a file of the running config.</summary>
    private static string? ReadAdmin(MapNode item, string field, Reader reader, ProxyKind kind, string? baseDirectory)
    {
        if (item["admin"] is null)
        {
            reader.Error(item, field, kind == ProxyKind.Haproxy
                ? "is required: the runtime API (unix:/run/haproxy/admin.sock or tcp://HOST:PORT), or a file"
                : "is required: the admin API (http://HOST:PORT), or a file");
            return null;
        }

        var text = reader.OptionalString(item, "admin", field);
        if (text is null)
        {
            return null;
        }

        if (ProxyEndpoints.IsHttp(text))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url))
            {
                reader.Error(item["admin"]!, field, $"'{text}' is not a URL");
                return null;
            }

            if (url.UserInfo.Length > 0)
            {
                // The admin endpoint is shown in statuses and logs: it must carry no credentials.
                reader.Error(item["admin"]!, field, "must not carry credentials (user:password@): the endpoint is shown in statuses and logs");
                return null;
            }

            return text;
        }

        if (ProxyEndpoints.IsSocket(text))
        {
            if (kind != ProxyKind.Haproxy)
            {
                reader.Error(item["admin"]!, field, $"'{text}' is a runtime API socket: only haproxy is read that way ({kind.ToText()} has an http admin API)");
                return null;
            }

            if (text.StartsWith("tcp://", StringComparison.Ordinal) && (!Uri.TryCreate(text, UriKind.Absolute, out var tcp) || tcp.Port <= 0))
            {
                reader.Error(item["admin"]!, field, $"'{text}' is not tcp://HOST:PORT");
                return null;
            }

            return text.StartsWith("unix:", StringComparison.Ordinal) && baseDirectory is not null ? "unix:" + Path.GetFullPath(Path.Combine(baseDirectory, text[5..])) : text;
        }

        // A file of the running config (a saved config dump): read like the desired one.
        return reader.RequiredPath(item, "admin", field, baseDirectory);
    }

    private static void CheckUnique(IEnumerable<(string Name, SourceLocation Location)> items, string field, string what, Reader reader)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, location) in items)
        {
            if (!seen.Add(name))
            {
                reader.Errors.Add(new ManifestError(location.Source, location.Line, $"{field}: {what} '{name}' is declared twice"));
            }
        }
    }

    /// <summary>A duration as the fleet spec writes them: a number and a unit (<c>500ms</c>, <c>5s</c>, <c>10m</c>, <c>1h</c>, <c>7d</c>).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : text.EndsWith('h') ? (text[..^1], 3600.0)
            : text.EndsWith('d') ? (text[..^1], 86400.0)
            : (text, double.NaN);
        if (double.IsNaN(unit) || !double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * unit);
        return true;
    }

    private static ManagerClassifier ReadManagers(MapNode root, Reader reader)
    {
        if (root["managers"] is not { } node || node.IsEmpty)
        {
            return ManagerClassifier.Default;
        }

        if (node is not MapNode managers)
        {
            reader.Error(node, "managers", "must be a mapping with 'appliers' and/or 'controllers'");
            return ManagerClassifier.Default;
        }

        reader.CheckFields(managers, ManagerFields, "managers");
        return new ManagerClassifier(reader.StringList(managers, "appliers", "managers.appliers"), reader.StringList(managers, "controllers", "managers.controllers"));
    }

    private static List<T> ReadList<T>(MapNode root, string field, Reader reader, Func<MapNode, string, Reader, T?> readItem)
        where T : class
    {
        var result = new List<T>();
        if (root[field] is not { } node || node.IsEmpty)
        {
            return result;
        }

        if (node is not ListNode list)
        {
            reader.Error(node, field, "must be a list");
            return result;
        }

        for (var i = 0; i < list.Count; i++)
        {
            var name = $"{field}[{i}]";
            if (list[i] is not MapNode item)
            {
                reader.Error(list[i], name, "must be a mapping");
                continue;
            }

            if (readItem(item, name, reader) is { } value)
            {
                result.Add(value);
            }
        }

        return result;
    }

    private static IgnoreRule? ReadIgnoreRule(MapNode item, string name, Reader reader)
    {
        var errors = reader.Errors.Count;
        reader.CheckFields(item, IgnoreFields, name);
        var selector = ReadSelector(item, name, reader);
        var path = reader.OptionalPath(item, "path", name + ".path") ?? PathPattern.Parse(string.Empty);
        if (path.IsRoot && selector == ResourceSelector.All && reader.Errors.Count == errors)
        {
            reader.Error(item, name, "an ignore rule needs a 'path', or a 'kind', 'namespace' or 'resource' to ignore whole resources");
        }

        var reason = reader.OptionalString(item, "reason", name + ".reason");
        return reader.Errors.Count > errors ? null : new IgnoreRule(selector, path, reason, reader.Location(item));
    }

    private static SeverityOverride? ReadSeverityOverride(MapNode item, string name, Reader reader)
    {
        var errors = reader.Errors.Count;
        reader.CheckFields(item, SeverityFields, name);
        var selector = ReadSelector(item, name, reader);
        var path = reader.OptionalPath(item, "path", name + ".path");
        DriftKind? kind = null;
        if (reader.OptionalString(item, "driftKind", name + ".driftKind") is { } kindText)
        {
            if (DriftNames.TryParseKind(kindText, out var parsed))
            {
                kind = parsed;
            }
            else
            {
                reader.Error(item["driftKind"]!, name + ".driftKind", $"'{kindText}' is not one of Missing, Modified, Added, Unmanaged");
            }
        }

        var severityText = reader.OptionalString(item, "severity", name + ".severity");
        var severity = Severity.Medium;
        if (severityText is null)
        {
            reader.Error(item, name + ".severity", "is required (low, medium, high or critical)");
        }
        else if (!DriftNames.TryParseSeverity(severityText, out severity))
        {
            reader.Error(item["severity"]!, name + ".severity", $"'{severityText}' is not one of low, medium, high, critical");
        }

        return reader.Errors.Count > errors ? null : new SeverityOverride(selector, path, kind, severity, reader.Location(item));
    }

    private static RemediationRule? ReadRemediationRule(MapNode item, string name, Reader reader)
    {
        var errors = reader.Errors.Count;
        reader.CheckFields(item, RemediationFields, name);
        var selector = ReadSelector(item, name, reader);
        var action = RemediationAction.Notify;
        switch (reader.OptionalString(item, "action", name + ".action"))
        {
            case null:
                reader.Error(item, name + ".action", "is required (notify, revert or adopt)");
                break;
            case "notify":
                break;
            case "revert":
                action = RemediationAction.Revert;
                break;
            case "adopt":
                action = RemediationAction.Adopt;
                break;
            case var other:
                reader.Error(item["action"]!, name + ".action", $"'{other}' is not one of notify, revert, adopt");
                break;
        }

        var minSeverity = Severity.Low;
        if (reader.OptionalString(item, "minSeverity", name + ".minSeverity") is { } severityText && !DriftNames.TryParseSeverity(severityText, out minSeverity))
        {
            reader.Error(item["minSeverity"]!, name + ".minSeverity", $"'{severityText}' is not one of low, medium, high, critical");
        }

        var maxReverts = reader.OptionalCount(item, "maxReverts", name + ".maxReverts", max: 1000) ?? 3;
        var window = reader.OptionalDuration(item, "window", name + ".window", TimeSpan.FromHours(1));
        var backoff = reader.OptionalDuration(item, "backoff", name + ".backoff", TimeSpan.FromSeconds(30));
        var tenant = reader.OptionalString(item, "tenant", name + ".tenant");
        return reader.Errors.Count > errors ? null : new RemediationRule(tenant, selector, minSeverity, action, maxReverts, window, backoff, reader.Location(item));
    }

    private static ResourceSelector ReadSelector(MapNode item, string name, Reader reader)
    {
        var resource = reader.OptionalString(item, "resource", name + ".resource");
        if (resource is not null && resource.Split('/').Length != 4)
        {
            reader.Error(item["resource"]!, name + ".resource", $"'{resource}' is not group/Kind/namespace/name (use * as a wildcard)");
        }

        var kind = reader.OptionalString(item, "kind", name + ".kind");
        if (kind is not null && kind.Split('/').Length > 2)
        {
            reader.Error(item["kind"]!, name + ".kind", $"'{kind}' is not Kind or group/Kind");
        }

        var selector = new ResourceSelector(kind, reader.OptionalString(item, "namespace", name + ".namespace"), resource);
        return selector == ResourceSelector.All ? ResourceSelector.All : selector;
    }

    /// <summary>Reads typed fields, collecting errors that name source, line and field.</summary>
    private sealed class Reader(string source)
    {
        public List<ManifestError> Errors { get; } = [];

        public SourceLocation Location(Node node) => new(source, node.Line);

        public void Error(Node node, string field, string message) =>
            Errors.Add(new ManifestError(source, node.Line, field.Length == 0 ? message : $"{field}: {message}"));

        public void CheckFields(MapNode map, string[] allowed, string parent)
        {
            foreach (var (key, value) in map.Entries)
            {
                if (!allowed.Contains(key))
                {
                    var field = parent.Length == 0 ? key : $"{parent}.{key}";
                    Error(value, field, $"unknown field (expected one of: {string.Join(", ", allowed)})");
                }
            }
        }

        public void ExpectConstant(MapNode map, string key, string expected)
        {
            if (OptionalString(map, key, key) is { } value && value != expected)
            {
                Error(map[key]!, key, $"must be '{expected}', not '{value}'");
            }
        }

        public static bool Has(MapNode map, string key) => map[key] is { } value && value is not ScalarNode { Kind: NodeKind.Null };

        /// <summary>A name usable in grain keys and paths: lowercase letters, digits and '-'.</summary>
        public string? RequiredName(MapNode map, string key, string field)
        {
            if (map[key] is null)
            {
                Error(map, field, "is required");
                return null;
            }

            var name = OptionalString(map, key, field);
            if (name is not null && !IsDnsLabel(name))
            {
                Error(map[key]!, field, $"'{name}' must be lowercase letters, digits and '-', starting with a letter (at most 63)");
                return null;
            }

            return name;
        }

        public string? RequiredPath(MapNode map, string key, string field, string? baseDirectory)
        {
            if (map[key] is null)
            {
                Error(map, field, "is required");
                return null;
            }

            if (OptionalString(map, key, field) is not { } text)
            {
                return null;
            }

            var path = baseDirectory is null ? text : Path.GetFullPath(Path.Combine(baseDirectory, text));
            if (baseDirectory is not null && !File.Exists(path) && !Directory.Exists(path))
            {
                Error(map[key]!, field, $"'{text}' does not exist (looked for {path})");
                return null;
            }

            return path;
        }

        private static bool IsDnsLabel(string name) =>
            name.Length is > 0 and <= 63 && char.IsAsciiLetterLower(name[0]) && name[^1] != '-'
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

        public string? OptionalString(MapNode map, string key, string field)
        {
            switch (map[key])
            {
                case null or ScalarNode { Kind: NodeKind.Null }:
                    return null;
                case ScalarNode { Kind: NodeKind.String } s when s.Text.Length > 0:
                    return s.Text;
                case { } other:
                    Error(other, field, "must be a non-empty string");
                    return null;
            }
        }

        /// <summary>A duration of at least 100ms (<c>500ms</c>, <c>2s</c>, <c>1m</c>), or <paramref name="fallback"/> when absent.</summary>
        public TimeSpan OptionalDuration(MapNode map, string key, string field, TimeSpan fallback)
        {
            if (OptionalString(map, key, field) is not { } text)
            {
                return fallback;
            }

            if (!TryParseDuration(text, out var duration) || duration < TimeSpan.FromMilliseconds(100))
            {
                Error(map[key]!, field, $"'{text}' is not a duration of at least 100ms (e.g. 500ms, 2s, 1m)");
                return fallback;
            }

            return duration;
        }

        public int? OptionalCount(MapNode map, string key, string field, int max = 100_000)
        {
            switch (map[key])
            {
                case null or ScalarNode { Kind: NodeKind.Null }:
                    return null;
                case ScalarNode { Kind: NodeKind.Number, Exact: { } n } when n >= 1 && n <= max && decimal.Truncate(n) == n:
                    return (int)n;
                case { } other:
                    Error(other, field, $"must be a whole number from 1 to {max}");
                    return null;
            }
        }

        public PathPattern? OptionalPath(MapNode map, string key, string field)
        {
            if (OptionalString(map, key, field) is not { } text)
            {
                return null;
            }

            var pattern = PathPattern.TryParse(text, out var error);
            if (pattern is null)
            {
                Error(map[key]!, field, $"'{text}' is not a drift path: {error}");
            }

            return pattern;
        }

        public List<string> StringList(MapNode map, string key, string field)
        {
            var result = new List<string>();
            switch (map[key])
            {
                case null or ScalarNode { Kind: NodeKind.Null }:
                    break;
                case ListNode list:
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is ScalarNode { Kind: NodeKind.String } s && s.Text.Length > 0)
                        {
                            result.Add(s.Text);
                        }
                        else
                        {
                            Error(list[i], $"{field}[{i}]", "must be a non-empty string");
                        }
                    }

                    break;
                case { } other:
                    Error(other, field, "must be a list of manager names");
                    break;
            }

            return result;
        }
    }
}
