using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Policy;
using DriftFabric.Engine.Proxies;

using DriftFabric.Abstractions;
using DriftFabric.Sources.Git;

namespace DriftFabric.Sources.Fleet;

/// <summary>
/// Reads a fleet spec (<c>driftfabric.yaml</c>): the fleet's topology (tenants, their clusters with
/// the desired and live sources, proxies, webhooks, event log retention) here, its drift policy
/// through the engine's <see cref="DriftPolicyReader"/>, both with one <see cref="SpecReader"/>. Every
/// error names file, line and field (<c>driftfabric.yaml:12: ignore[1].path: ...</c>); unknown fields
/// are errors, so a typo never silently turns a rule off.
/// </summary>
public static class FleetSpecReader
{
    public const string ApiVersion = "driftfabric.io/v1alpha1";
    public const string Kind = "Fleet";

    public static readonly IReadOnlyList<string> DefaultServiceLabels = ["app.kubernetes.io/name", "app"];

    private static readonly string[] TopLevelFields = ["apiVersion", "kind", "defaultNamespace", "serviceLabels", "managers", "ignore", "severity", "remediation", "tenants", "events", "notifications"];
    private static readonly string[] WebhookFields = ["name", "url", "format", "secretEnv", "tenants", "minSeverity", "kinds", "events", "skippedReview"];
    private static readonly string[] TenantFields = ["name", "clusters", "events"];
    private static readonly string[] EventFields = ["maxLength", "maxAge"];
    private static readonly string[] ClusterFields = ["name", "desired", "live", "defaultNamespace", "serviceLabels", "pollInterval", "proxies", "kubernetesVersion"];
    private static readonly string[] ProxyFields = ["name", "kind", "admin", "desired", "pollInterval", "timeout", "services"];
    private static readonly string[] LiveFields = ["snapshot", "kubeconfig", "context", "inCluster", "qps", "burst"];
    private static readonly string[] GitFields = ["git", "ref", "path", "interval", "tokenFile", "tokenEnv", "username", "sshKeyFile", "sshKeyEnv", "knownHosts", "webhookSecretFile", "webhookSecretEnv"];

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
        var reader = new SpecReader(source);
        if (reader.ReadRoot(text) is not { } map)
        {
            return new FleetSpec(DriftPolicy.Default, reader.Errors);
        }

        reader.CheckFields(map, TopLevelFields, string.Empty);
        reader.ExpectConstant(map, "apiVersion", ApiVersion);
        reader.ExpectConstant(map, "kind", Kind);

        var policy = DriftPolicyReader.Read(map, reader);
        var serviceLabels = SpecReader.Has(map, "serviceLabels") ? reader.StringList(map, "serviceLabels", "serviceLabels") : [.. DefaultServiceLabels];
        var events = ReadEvents(map, "events", reader, EventLogSpec.Default);
        var defaults = new ClusterDefaults(policy.DefaultNamespace, serviceLabels, baseDirectory, events);
        var tenants = reader.ReadList(map, "tenants", (item, name, r) => ReadTenant(item, name, r, defaults));
        CheckUnique(tenants.Select(t => (t.Name, t.Location)), "tenants", "tenant", reader);
        var notifications = reader.ReadList(map, "notifications", ReadWebhook);
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

    private static WebhookSpec? ReadWebhook(MapNode item, string name, SpecReader reader)
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
    private static EventLogSpec ReadEvents(MapNode parent, string field, SpecReader reader, EventLogSpec defaults)
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
                    if (!SpecReader.TryParseDuration(ageText, out age) || age <= TimeSpan.Zero)
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

    private static TenantSpec? ReadTenant(MapNode item, string name, SpecReader reader, ClusterDefaults defaults)
    {
        var errors = reader.Errors.Count;
        reader.CheckFields(item, TenantFields, name);
        var tenant = reader.RequiredName(item, "name", name + ".name");
        var clusters = reader.ReadList(item, "clusters", (c, n, r) => ReadCluster(c, $"{name}.{n}", r, defaults));
        if (clusters.Count == 0 && reader.Errors.Count == errors)
        {
            reader.Error(item, name + ".clusters", "a tenant needs at least one cluster");
        }

        CheckUnique(clusters.Select(c => (c.Name, c.Location)), name + ".clusters", "cluster", reader);
        var events = ReadEvents(item, name + ".events", reader, defaults.Events);
        return reader.Errors.Count > errors || tenant is null ? null : new TenantSpec(tenant, clusters, reader.Location(item)) { Events = events };
    }

    private static ClusterSpec? ReadCluster(MapNode item, string name, SpecReader reader, ClusterDefaults defaults)
    {
        var errors = reader.Errors.Count;
        reader.CheckFields(item, ClusterFields, name);
        var cluster = reader.RequiredName(item, "name", name + ".name");
        string? desired = null;
        GitDesired? git = null;
        if (item["desired"] is MapNode gitMap)
        {
            git = ReadGit(gitMap, name + ".desired", reader, defaults.BaseDirectory);
            desired = git is null ? null : $"{git.Url}#{git.Ref}//{git.Path}";
        }
        else
        {
            desired = reader.RequiredPath(item, "desired", name + ".desired", defaults.BaseDirectory);
        }

        string? live = null;
        KubeSourceSpec? kube = null;
        const string LiveForms = "live: { snapshot: PATH }, live: { kubeconfig: PATH, context: NAME } or live: { inCluster: true }";
        switch (item["live"])
        {
            case MapNode liveMap:
                reader.CheckFields(liveMap, LiveFields, name + ".live");
                var inCluster = liveMap["inCluster"] is ScalarNode { Kind: NodeKind.Bool, BoolValue: true };
                var forms = (SpecReader.Has(liveMap, "snapshot") ? 1 : 0) + (SpecReader.Has(liveMap, "kubeconfig") ? 1 : 0) + (inCluster ? 1 : 0);
                if (forms != 1)
                {
                    reader.Error(liveMap, name + ".live", $"needs exactly one of {LiveForms}");
                }
                else if (SpecReader.Has(liveMap, "snapshot"))
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
        var labels = SpecReader.Has(item, "serviceLabels") ? reader.StringList(item, "serviceLabels", name + ".serviceLabels") : defaults.ServiceLabels;
        var ns = reader.OptionalString(item, "defaultNamespace", name + ".defaultNamespace") ?? defaults.Namespace;
        var proxies = reader.ReadList(item, "proxies", (p, n, r) => ReadProxy(p, $"{name}.{n}", r, ns, defaults.BaseDirectory));
        CheckUnique(proxies.Select(p => (p.Name, p.Location)), name + ".proxies", "proxy", reader);
        var version = ReadKubernetesVersion(item, name + ".kubernetesVersion", reader);
        return reader.Errors.Count > errors || cluster is null || desired is null || live is null
            ? null
            : new ClusterSpec(cluster, desired, live, ns, labels, poll, reader.Location(item)) { Kube = kube, Proxies = proxies, Git = git, KubernetesVersion = version };
    }

    /// <summary>
    /// <c>kubernetesVersion: "1.28"</c>: the cluster's minor version, <c>MAJOR.MINOR</c> (a <c>v</c>
    /// and a patch number are taken and dropped). A string: unquoted, YAML reads 1.30 as the number 1.3.
    /// </summary>
    private static Version? ReadKubernetesVersion(MapNode item, string field, SpecReader reader)
    {
        const string Form = "a quoted MAJOR.MINOR such as \"1.28\"";
        switch (item["kubernetesVersion"])
        {
            case null:
                return null;
            case ScalarNode { Kind: NodeKind.String } text when KubernetesVersions.TryParse(text.Text, out var version):
                return version;
            case ScalarNode { Kind: NodeKind.Number } number:
                reader.Error(number, field, $"must be {Form}: unquoted, YAML reads it as the number {number.Text}");
                return null;
            case { } other:
                reader.Error(other, field, $"must be {Form}");
                return null;
        }
    }

    /// <summary>
    /// <c>desired: { git: URL, ref, path, interval, ... }</c>: a remote without a password in its
    /// URL, at most one place for each credential (files resolved against the spec's folder; they
    /// are read at each fetch, so a missing one is the cluster's error then, not the spec's).
    /// </summary>
    private static GitDesired? ReadGit(MapNode map, string name, SpecReader reader, string? baseDirectory)
    {
        var errors = reader.Errors.Count;
        reader.CheckFields(map, GitFields, name);
        const string Form = "desired: { git: URL, ref: BRANCH|TAG|SHA, path: DIR, interval: 1m }";
        var url = map["git"] is null ? null : reader.OptionalString(map, "git", name + ".git");
        if (url is null)
        {
            reader.Error(map, name + ".git", $"is required: a desired state is a path or {Form}");
        }
        else if (!GitUrls.IsRemote(url))
        {
            reader.Error(map["git"]!, name + ".git", $"'{url}' is not a Git URL (https://, http://, ssh://, git://, file:// or user@host:path)");
        }
        else if (GitUrls.HasPassword(url))
        {
            // The URL is shown in statuses and logs: a credential there would be shown with it.
            reader.Error(map["git"]!, name + ".git", "must not carry credentials (user:password@): name them with tokenFile or tokenEnv");
        }

        var reference = reader.OptionalString(map, "ref", name + ".ref") ?? "HEAD";
        var path = (reader.OptionalString(map, "path", name + ".path") ?? string.Empty).Trim('/');
        if (path.Split('/').Contains(".."))
        {
            reader.Error(map["path"]!, name + ".path", $"'{path}' must stay inside the repository");
        }

        var interval = reader.OptionalDuration(map, "interval", name + ".interval", TimeSpan.FromMinutes(1));
        string? File(string key) => reader.OptionalString(map, key, $"{name}.{key}") is { } file
            ? (baseDirectory is null ? file : Path.GetFullPath(Path.Combine(baseDirectory, file)))
            : null;
        var credentials = new GitCredentialNames(
            File("tokenFile"), reader.OptionalString(map, "tokenEnv", name + ".tokenEnv"), reader.OptionalString(map, "username", name + ".username"),
            File("sshKeyFile"), reader.OptionalString(map, "sshKeyEnv", name + ".sshKeyEnv"), File("knownHosts"));
        OneOf("tokenFile", "tokenEnv", credentials.TokenFile, credentials.TokenEnv);
        OneOf("sshKeyFile", "sshKeyEnv", credentials.SshKeyFile, credentials.SshKeyEnv);
        var webhookFile = File("webhookSecretFile");
        var webhookEnv = reader.OptionalString(map, "webhookSecretEnv", name + ".webhookSecretEnv");
        OneOf("webhookSecretFile", "webhookSecretEnv", webhookFile, webhookEnv);
        return reader.Errors.Count > errors || url is null
            ? null
            : new GitDesired(url, reference, path, interval) { Credentials = credentials, WebhookSecretFile = webhookFile, WebhookSecretEnv = webhookEnv };

        void OneOf(string a, string b, string? first, string? second)
        {
            if (first is not null && second is not null)
            {
                reader.Error(map, $"{name}.{a}", $"give {a} or {b}, not both");
            }
        }
    }

    private static ProxySpec? ReadProxy(MapNode item, string name, SpecReader reader, string defaultNamespace, string? baseDirectory)
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
    private static string? ReadAdmin(MapNode item, string field, SpecReader reader, ProxyKind kind, string? baseDirectory)
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

    private static void CheckUnique(IEnumerable<(string Name, SourceLocation Location)> items, string field, string what, SpecReader reader)
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
}
