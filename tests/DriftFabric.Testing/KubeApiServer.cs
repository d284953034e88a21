using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Testing;

/// <summary>
/// A Kubernetes API server in-process (Kestrel on 127.0.0.1) that speaks the real protocol to the
/// real KubernetesClient and the real kubectl: discovery, lists with a resourceVersion, chunked
/// watch streams with ADDED/MODIFIED/DELETED/BOOKMARK/ERROR events, 410 Gone for compacted
/// versions, server-set managedFields, creates, updates, server-side apply, JSON, merge and
/// strategic merge patches, the scale and status subresources and deletes with their
/// preconditions and dry runs, and fault injection (drop watches, stall, fail requests, expire
/// versions, another writer's change just before a given request). Objects also change through
/// its methods, as an operator's kubectl would change them; <c>tests/DriftFabric.KubeSim</c> runs
/// it as a program of its own.
/// </summary>
public sealed class KubeApiServer : IAsyncDisposable
{
    private readonly Lock _lock = new();
    // Objects as JSON text: a hundred thousand of them as node trees would weigh on the very
    // process the latency benchmark measures.
    private readonly Dictionary<(string Type, string Namespace, string Name), string> _objects = [];
    private readonly List<StoredEvent> _log = [];

    // Namespaces objects were stored in: they exist, as they would have to on a real server.
    private readonly HashSet<string> _namespaces = ["default"];
    private readonly Dictionary<string, KubeResourceType> _typesByKey;
    private readonly WebApplication _app;
    private readonly Dictionary<(string Type, string? Namespace), TaskCompletionSource> _pulses = [];
    private long _logGeneration;
    private CancellationTokenSource _dropWatches = new();
    private CancellationTokenSource _endWatches = new();
    private int _gone;
    private int _silentWatches;
    private readonly System.Collections.Concurrent.ConcurrentQueue<(DateTime At, string Request)> _requestLog = new();
    private TaskCompletionSource? _stall;
    private long _resourceVersion = 1000;
    private long _compactedBelow;
    private int _failNext;
    private int _openWatches;
    private int _requests;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, KubeUser> _tokens = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentQueue<(int Code, string Method, string Request, string Message)> _refusals = new();
    private volatile bool _rbac;

    private KubeApiServer(WebApplication app, IEnumerable<KubeResourceType> types)
    {
        _app = app;
        _typesByKey = types.ToDictionary(t => TypeKey(t.Group, t.Kind), StringComparer.Ordinal);
    }

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>How often an idle watch that asked for bookmarks gets one.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(1);

    public long ResourceVersion => Interlocked.Read(ref _resourceVersion);

    public int OpenWatches => Volatile.Read(ref _openWatches);

    /// <summary>How many objects the server holds.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _objects.Count;
            }
        }
    }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Every request as it arrived: when, and its path and query.</summary>
    public IReadOnlyCollection<(DateTime At, string Request)> RequestLog => _requestLog;

    /// <summary>
    /// Waits until at least <paramref name="count"/> watches are open and each has sent a line (an
    /// event or a bookmark). KubernetesClient fails a watch that ends before its first line.
    /// </summary>
    public async Task WhenWatchesSpokeAsync(int count, TimeSpan? patience = null)
    {
        using var timeout = new CancellationTokenSource(patience ?? TimeSpan.FromSeconds(30));
        while (OpenWatches < count || Volatile.Read(ref _silentWatches) > 0)
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>Called with each request as it arrives, before it is handled (the standalone simulator logs them).</summary>
    public Func<HttpRequest, Task>? OnRequest { get; set; }

    /// <summary>How many watches were refused with 410 Gone.</summary>
    public int GoneResponses => Volatile.Read(ref _gone);

    public IReadOnlyCollection<KubeResourceType> Types => _typesByKey.Values;

    /// <summary>Starts a server on 127.0.0.1, on <paramref name="port"/> or (0) a free port the OS picks.</summary>
    /// <param name="certificate">Serve HTTPS with this certificate (as a real API server does, and as in-cluster configuration requires).</param>
    public static async Task<KubeApiServer> StartAsync(IEnumerable<KubeResourceType>? types = null, int port = 0, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        KubeApiServer? server = null;
        var (app, baseUri) = await LoopbackWeb.StartAsync(
            app =>
            {
                server = new KubeApiServer(app, types ?? KubeResourceType.Defaults);
                app.Run(server.HandleAsync);
            },
            port,
            certificate);
        server!.BaseUri = baseUri;
        return server;
    }

    // ---- authentication and RBAC (off unless a test turns them on) ----

    /// <summary>
    /// Turns on authentication and RBAC: from now on a request without a known bearer token is
    /// refused 401, and one whose user the stored Roles, ClusterRoles and bindings do not allow
    /// (<see cref="KubeRbac"/>) is refused 403 with Kubernetes' own Status. Objects changed
    /// through the server's methods (<see cref="Put(string, string, DateTimeOffset?)"/>, <see cref="Load"/>) are not
    /// checked: they stand for the cluster's administrator.
    /// </summary>
    public void EnableRbac() => _rbac = true;

    /// <summary>A new bearer token that authenticates as <paramref name="user"/> (a ServiceAccount's, an administrator's).</summary>
    public string IssueToken(KubeUser user)
    {
        var token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        _tokens[token] = user;
        return token;
    }

    /// <summary>Makes a token unknown (a rotated or expired one): its requests are refused 401 from now on.</summary>
    public void RevokeToken(string token) => _tokens.TryRemove(token, out _);

    /// <summary>Every request refused 401 or 403: its status, method, path and query, and the Status message sent.</summary>
    public IReadOnlyCollection<(int Code, string Method, string Request, string Message)> Refusals => _refusals;

    /// <summary>The RBAC objects the server holds now, parsed.</summary>
    public RbacObjects RbacObjects()
    {
        lock (_lock)
        {
            return Testing.RbacObjects.Of(_objects.Where(o => o.Key.Type.StartsWith(KubeRbac.Group + "/", StringComparison.Ordinal)).Select(o => ManagedFieldsTracker.Parse(o.Value)));
        }
    }

    /// <summary>The user of the request's bearer token (null: no token or an unknown one).</summary>
    private KubeUser? Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.TryGetValue(header["Bearer ".Length..].Trim(), out var user) ? user : null;
    }

    /// <summary>True when the request may go on; otherwise the refusal (401 or 403) has been written.</summary>
    private async Task<bool> AuthorizeAsync(HttpContext context, KubeUser? user, KubeAccess access)
    {
        var request = context.Request.Path + context.Request.QueryString;
        if (user is null)
        {
            _refusals.Enqueue((401, context.Request.Method, request, "Unauthorized"));
            await WriteStatus(context, 401, "Unauthorized", "Unauthorized");
            return false;
        }

        if (KubeRbac.Allows(user, access, RbacObjects()))
        {
            return true;
        }

        var message = KubeRbac.ForbiddenMessage(user, access);
        _refusals.Enqueue((403, context.Request.Method, request, message));
        var status = Status(403, "Forbidden", message);
        if (access.Path is null)
        {
            var details = new JsonObject();
            if (access.Name is not null)
            {
                details["name"] = access.Name;
            }

            if (access.Group.Length > 0)
            {
                details["group"] = access.Group;
            }

            details["kind"] = access.Resource;
            status["details"] = details;
        }

        context.Response.StatusCode = 403;
        await WriteJson(context, status);
        return false;
    }

    /// <summary>The verb Kubernetes' request-info resolver reads off a resource request.</summary>
    private static string VerbOf(string method, string? name, bool watch) => method switch
    {
        "GET" => name is not null ? "get" : watch ? "watch" : "list",
        "POST" => "create",
        "PUT" => "update",
        "PATCH" => "patch",
        "DELETE" => name is not null ? "delete" : "deletecollection",
        _ => method.ToLowerInvariant(),
    };

    /// <summary>A kubeconfig file content that points a context at this server.</summary>
    public string KubeConfig(string context = "test") => KubeConfigOf([(context, BaseUri)]);

    /// <summary>
    /// A kubeconfig with one context for this server that authenticates with <paramref name="token"/>
    /// and, over HTTPS, trusts the server by <paramref name="certificateAuthorityPem"/>: what a
    /// cluster Secret of an install holds for a remote cluster.
    /// </summary>
    public string KubeConfig(string context, string token, string? certificateAuthorityPem) =>
        $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {context}
          cluster:
            server: {BaseUri.ToString().TrimEnd('/')}
        {(certificateAuthorityPem is null ? string.Empty : "    certificate-authority-data: " + Convert.ToBase64String(Encoding.UTF8.GetBytes(certificateAuthorityPem)))}
        users:
        - name: {context}
          user:
            token: {token}
        contexts:
        - name: {context}
          context:
            cluster: {context}
            user: {context}
        current-context: {context}

        """;

    /// <summary>A kubeconfig with one context (and cluster and user of the same name) per server; the first is current.</summary>
    public static string KubeConfigOf(IReadOnlyList<(string Context, Uri Server)> servers)
    {
        var text = new StringBuilder("apiVersion: v1\nkind: Config\nclusters:\n");
        foreach (var (context, server) in servers)
        {
            text.Append(CultureInfo.InvariantCulture, $"- name: {context}\n  cluster:\n    server: {server.ToString().TrimEnd('/')}\n");
        }

        text.Append("users:\n");
        foreach (var (context, _) in servers)
        {
            text.Append(CultureInfo.InvariantCulture, $"- name: {context}\n  user:\n    token: test-token\n");
        }

        text.Append("contexts:\n");
        foreach (var (context, _) in servers)
        {
            text.Append(CultureInfo.InvariantCulture, $"- name: {context}\n  context:\n    cluster: {context}\n    user: {context}\n    namespace: default\n");
        }

        return text.Append(CultureInfo.InvariantCulture, $"current-context: {servers[0].Context}\n").ToString();
    }

    // ---- changes, as an operator or a controller makes them ----

    /// <summary>Creates or replaces an object (YAML-free: JSON text), owned by <paramref name="manager"/>.</summary>
    public JsonObject Put(string json, string manager = "kubectl-client-side-apply", DateTimeOffset? at = null) =>
        Put(ManagedFieldsTracker.Parse(json), manager, null, at);

    /// <summary>
    /// Loads an object as if it had been applied: one that carries <c>managedFields</c> (a
    /// <c>kubectl get -o json --show-managed-fields</c> snapshot) keeps them, with their managers and
    /// times; one without is created as <c>kubectl apply</c> (client-side) creates it, its
    /// <c>last-applied-configuration</c> annotation included.
    /// </summary>
    public JsonObject Load(JsonObject obj)
    {
        var metadata = obj["metadata"] as JsonObject ?? throw new ArgumentException("metadata is required");
        metadata.Remove("resourceVersion");
        if (metadata["managedFields"] is JsonArray { Count: > 0 })
        {
            var type = TypeOf(obj["apiVersion"]?.GetValue<string>() ?? string.Empty, obj["kind"]?.GetValue<string>() ?? string.Empty);
            if (_typesByKey[type].Namespaced)
            {
                metadata["namespace"] ??= "default";
            }

            lock (_lock)
            {
                var key = (type, metadata["namespace"]?.GetValue<string>() ?? string.Empty, metadata["name"]!.GetValue<string>());
                var previous = _objects.TryGetValue(key, out var json) ? ManagedFieldsTracker.Parse(json) : null;
                return Store(obj, previous, DateTimeOffset.UtcNow);
            }
        }

        ClientSideApply.Annotate(obj);
        return Put(obj, ClientSideApply.Manager, null, null);
    }

    /// <summary>Changes an existing object in place; the fields it changes move to <paramref name="manager"/>.</summary>
    public JsonObject Edit(string apiVersion, string kind, string? ns, string name, Action<JsonObject> edit, string manager, string? subresource = null, DateTimeOffset? at = null)
    {
        JsonObject copy;
        lock (_lock)
        {
            var key = (TypeOf(apiVersion, kind), ns ?? string.Empty, name);
            copy = _objects.TryGetValue(key, out var existing)
                ? ManagedFieldsTracker.Parse(existing)
                : throw new InvalidOperationException($"{kind} {ns}/{name} does not exist");
        }

        edit(copy);
        return Put(copy, manager, subresource, at);
    }

    public bool Delete(string apiVersion, string kind, string? ns, string name)
    {
        lock (_lock)
        {
            var type = TypeOf(apiVersion, kind);
            if (!_objects.Remove((type, ns ?? string.Empty, name), out var existingJson))
            {
                return false;
            }

            var rv = ++_resourceVersion;
            var existing = ManagedFieldsTracker.Parse(existingJson);
            existing["metadata"]!["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            Append(new StoredEvent(rv, "DELETED", type, ns ?? string.Empty, name, existing.ToJsonString()));
            return true;
        }
    }

    public JsonObject? Get(string apiVersion, string kind, string? ns, string name)
    {
        lock (_lock)
        {
            return _objects.TryGetValue((TypeOf(apiVersion, kind), ns ?? string.Empty, name), out var o) ? ManagedFieldsTracker.Parse(o) : null;
        }
    }

    // ---- faults ----

    /// <summary>Cuts every open watch connection, as a load balancer or an API server restart does.</summary>
    public void DropWatches()
    {
        var old = Interlocked.Exchange(ref _dropWatches, new CancellationTokenSource());
        old.Cancel();
        old.Dispose();
    }

    /// <summary>Ends every open watch cleanly, as its timeout would; clients re-watch from their last version.</summary>
    public void EndWatches()
    {
        var old = Interlocked.Exchange(ref _endWatches, new CancellationTokenSource());
        old.Cancel();
        old.Dispose();
    }

    /// <summary>
    /// Compacts history: a watch from any resourceVersion before now gets 410 Gone. Open watches
    /// carry on, as they do on a real API server.
    /// </summary>
    public void ExpireResourceVersions()
    {
        lock (_lock)
        {
            _compactedBelow = _resourceVersion + 1;
            _log.Clear();
            _logGeneration++;
        }
    }

    /// <summary>The next <paramref name="count"/> requests answer with <paramref name="status"/>.</summary>
    public void FailNextRequests(int count, int status = 500)
    {
        _failStatus = status;
        Interlocked.Exchange(ref _failNext, count);
    }

    private int _failStatus = 500;

    /// <summary>
    /// Runs <paramref name="change"/> once, just before the server handles the next request that
    /// <paramref name="match"/> selects, as another writer acting between a client's read and its
    /// write would. The task completes when it has run.
    /// </summary>
    public Task BeforeNext(Func<KubeRequest, bool> match, Action change)
    {
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _hooks.Add((match, () =>
            {
                change();
                ran.TrySetResult();
            }));
        }

        return ran.Task;
    }

    private readonly List<(Func<KubeRequest, bool> Match, Action Run)> _hooks = [];

    /// <summary>Holds every request until the returned handle is disposed.</summary>
    public IDisposable Stall()
    {
        var stall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _stall = stall;
        return new Releaser(() =>
        {
            _stall = null;
            stall.TrySetResult();
        });
    }

    public async ValueTask DisposeAsync()
    {
        _stall?.TrySetResult();
        DropWatches();
        EndWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // ---- HTTP ----

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        _requestLog.Enqueue((DateTime.UtcNow, context.Request.Path + context.Request.QueryString));
        if (OnRequest is { } observe)
        {
            await observe(context.Request);
        }
        if (_stall is { } stall)
        {
            await stall.Task.WaitAsync(context.RequestAborted);
        }

        var request = new KubeRequest(context.Request.Method, context.Request.Path.Value ?? string.Empty, context.Request.QueryString.Value ?? string.Empty, context.Request.ContentType ?? string.Empty);
        Action? hook = null;
        lock (_lock)
        {
            var index = _hooks.FindIndex(h => h.Match(request));
            if (index >= 0)
            {
                hook = _hooks[index].Run;
                _hooks.RemoveAt(index);
            }
        }

        hook?.Invoke();
        if (Interlocked.Decrement(ref _failNext) >= 0)
        {
            await WriteStatus(context, _failStatus, "InternalError", "injected failure");
            return;
        }

        Interlocked.Exchange(ref _failNext, Math.Max(0, Volatile.Read(ref _failNext)));
        var segments = context.Request.Path.Value!.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = context.Request.Method;
        var contentType = context.Request.ContentType ?? string.Empty;
        var apply = method == "PATCH" && contentType.StartsWith("application/apply-patch", StringComparison.Ordinal);
        if (method is not ("GET" or "POST" or "PUT" or "PATCH" or "DELETE"))
        {
            await WriteStatus(context, 405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({method})");
            return;
        }

        var user = _rbac ? Authenticate(context.Request) : null;
        if (_rbac && (user is null || segments is ["version"] or ["openapi", ..] or ["api"] or ["apis"] or ["api", _] or ["apis", _, _])
            && !await AuthorizeAsync(context, user, KubeAccess.NonResource(context.Request.Path.Value ?? "/")))
        {
            return;
        }

        switch (segments)
        {
            case ["version"]:
                // kubectl asks before anything else; the version this simulation's behaviour follows.
                await WriteJson(context, new JsonObject { ["major"] = "1", ["minor"] = "32", ["gitVersion"] = "v1.32.0-driftfabric-sim", ["platform"] = "linux/amd64" });
                return;
            case ["openapi", "v3"]:
                await WriteJson(context, OpenApiIndex());
                return;
            case ["openapi", "v3", "api", var coreVersion]:
                await WriteJson(context, OpenApiDocument(string.Empty, coreVersion));
                return;
            case ["openapi", "v3", "apis", var apiGroup, var apiVersion]:
                await WriteJson(context, OpenApiDocument(apiGroup, apiVersion));
                return;
            case ["api"]:
                await WriteJson(context, new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1") });
                return;
            case ["apis"]:
                await WriteJson(context, GroupList());
                return;
            case ["api", var version]:
                await WriteJson(context, ResourceList(string.Empty, version));
                return;
            case ["apis", var group, var version]:
                await WriteJson(context, ResourceList(group, version));
                return;
        }

        var (group2, version2, rest) = segments switch
        {
            ["api", var v, .. var r] => (string.Empty, v, r),
            ["apis", var g, var v, .. var r] => (g, v, r),
            _ => (string.Empty, string.Empty, Array.Empty<string>()),
        };
        var (plural, ns, name, subresource) = rest switch
        {
            ["namespaces", var n, var p] => (p, n, (string?)null, (string?)null),
            ["namespaces", var n, var p, var o] => (p, n, o, null),
            ["namespaces", var n, var p, var o, var sub] => (p, n, o, sub),
            [var p] => (p, null, null, null),
            [var p, var o] => (p, null, o, null),
            [var p, var o, var sub] => (p, null, o, sub),
            _ => (string.Empty, null, null, null),
        };
        if (_rbac)
        {
            var watching = context.Request.Query["watch"] is var w && (w == "true" || w == "1");
            var access = new KubeAccess(VerbOf(method, name, watching), group2, plural, subresource, ns, name);
            if (!await AuthorizeAsync(context, user, access))
            {
                return;
            }
        }

        var type = _typesByKey.Values.FirstOrDefault(t => t.Group == group2 && t.Version == version2 && t.Plural == plural);
        if (type is null || (subresource is not null && !(subresource == "scale" && type.Scales) && subresource != "status"))
        {
            await WriteStatus(context, 404, "NotFound", $"the server could not find the requested resource ({context.Request.Path})");
            return;
        }

        if (method is "POST" or "PUT" && !contentType.StartsWith("application/json", StringComparison.Ordinal) && !contentType.StartsWith("application/yaml", StringComparison.Ordinal))
        {
            // Protobuf (what kubectl's typed clients send, e.g. create deployment) is not simulated.
            await WriteStatus(context, 415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml");
            return;
        }

        if (method == "POST")
        {
            await (name is null ? CreateAsync(context, type, ns) : WriteStatus(context, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
            return;
        }

        if (method != "GET")
        {
            await (name is null ? WriteStatus(context, 405, "MethodNotAllowed", "apply, update, patch and delete name one object")
                : apply && subresource is null ? ApplyAsync(context, type, ns, name)
                : method == "DELETE" && subresource is null ? DeleteAsync(context, type, ns, name)
                : method is "PUT" or "PATCH" && !apply ? WriteAsync(context, type, ns, name, subresource)
                : WriteStatus(context, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
            return;
        }

        if (name is not null)
        {
            var obj = Get(type.ApiVersion, type.Kind, ns ?? (type.Namespaced ? "default" : null), name) ?? (type.Kind == "Namespace" ? ImpliedNamespace(name) : null);
            await (obj is null ? WriteNotFound(context, type, name) : WriteJson(context, subresource == "scale" ? ScaleOf(obj) : obj));
            return;
        }

        var query = context.Request.Query;
        var rv = query["resourceVersion"].ToString();
        var only = KubeSelector.Parse(query["fieldSelector"].ToString(), query["labelSelector"].ToString(), out var refused);
        if (refused is not null)
        {
            await WriteStatus(context, 400, "BadRequest", refused);
            return;
        }

        if (query["watch"] is var watch && (watch == "true" || watch == "1"))
        {
            var bookmarks = query["allowWatchBookmarks"] == "true";
            var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
            await WatchAsync(context, type, ns, only, rv, bookmarks, timeout);
        }
        else
        {
            await ListAsync(context, type, ns, only);
        }
    }

    private async Task ListAsync(HttpContext context, KubeResourceType type, string? ns, KubeSelector? only)
    {
        var typeKey = TypeKey(type.Group, type.Kind);
        var items = new List<string>();
        long rv;
        lock (_lock)
        {
            rv = _resourceVersion;
            foreach (var ((t, n, objectName), obj) in _objects.OrderBy(o => o.Key.Namespace, StringComparer.Ordinal).ThenBy(o => o.Key.Name, StringComparer.Ordinal))
            {
                if (t == typeKey && (ns is null || n == ns) && (only is null || only.Matches(objectName, obj)))
                {
                    items.Add(obj);
                }
            }
        }

        // Paged as the API server pages (`limit`, then `continue` with the token it gave): the token
        // here is where the next page starts in the list's order (namespace, name).
        var query = context.Request.Query;
        var continueFrom = 0;
        if (query["continue"].ToString() is { Length: > 0 } token && !int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out continueFrom))
        {
            await WriteStatus(context, 400, "BadRequest", $"continue token {token} is not valid");
            return;
        }

        var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var asked) && asked > 0 ? asked : int.MaxValue;
        var page = items.Skip(continueFrom).Take(limit).ToList();
        var next = continueFrom + page.Count < items.Count ? (continueFrom + page.Count).ToString(CultureInfo.InvariantCulture) : null;
        var more = next is null ? string.Empty : $",\"continue\":\"{next}\",\"remainingItemCount\":{(items.Count - continueFrom - page.Count).ToString(CultureInfo.InvariantCulture)}";

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(
            $"{{\"kind\":\"{type.Kind}List\",\"apiVersion\":\"{type.ApiVersion}\",\"metadata\":{{\"resourceVersion\":\"{rv.ToString(CultureInfo.InvariantCulture)}\"{more}}},\"items\":[{string.Join(',', page)}]}}",
            Encoding.UTF8);
    }

    private async Task WatchAsync(HttpContext context, KubeResourceType type, string? ns, KubeSelector? only, string rvText, bool bookmarks, TimeSpan timeout)
    {
        var typeKey = TypeKey(type.Group, type.Kind);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        // Dropping aborts the connection mid-stream; ending (or the watch's timeout) finishes the
        // response cleanly between events, so the client re-watches from its last version.
        var dropped = _dropWatches.Token;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, dropped);
        using var finish = CancellationTokenSource.CreateLinkedTokenSource(_endWatches.Token);
        finish.CancelAfter(timeout);
        var finished = Task.Delay(Timeout.Infinite, finish.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        Interlocked.Increment(ref _openWatches);
        Interlocked.Increment(ref _silentWatches);
        var silent = true;
        try
        {
            long position;
            var initial = new List<string>();
            lock (_lock)
            {
                if (rvText.Length == 0 || rvText == "0")
                {
                    foreach (var ((t, n, objectName), obj) in _objects)
                    {
                        if (t == typeKey && (ns is null || n == ns) && (only is null || only.Matches(objectName, obj)))
                        {
                            initial.Add(EventLine("ADDED", obj));
                        }
                    }

                    position = _resourceVersion;
                }
                else if (!long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out position) || position < _compactedBelow - 1)
                {
                    initial.Add(EventLine("ERROR", Status(410, "Expired", $"too old resource version: {rvText} ({_compactedBelow - 1})").ToJsonString()));
                    Interlocked.Increment(ref _gone);
                    position = -1;
                }
            }

            foreach (var line in initial)
            {
                await context.Response.WriteAsync(line, ended.Token);
                Spoke(ref silent);
            }

            await context.Response.Body.FlushAsync(ended.Token);
            if (position < 0)
            {
                return;
            }

            var lastBookmark = DateTime.UtcNow;
            var cursor = 0;
            var generation = -1L;
            while (!ended.IsCancellationRequested && !finish.IsCancellationRequested)
            {
                Task pulse;
                var pending = new List<string>();
                lock (_lock)
                {
                    pulse = PulseFor(typeKey, ns).Task;
                    if (generation != _logGeneration)
                    {
                        generation = _logGeneration;
                        cursor = 0;
                    }

                    for (; cursor < _log.Count; cursor++)
                    {
                        var e = _log[cursor];
                        if (e.ResourceVersion > position && e.Type == typeKey && (ns is null || e.Namespace == ns) && (only is null || only.Matches(e.Name, e.Json)))
                        {
                            pending.Add(EventLine(e.Kind, e.Json));
                        }
                    }

                    position = Math.Max(position, _resourceVersion);
                }

                foreach (var line in pending)
                {
                    await context.Response.WriteAsync(line, ended.Token);
                    Spoke(ref silent);
                }

                if (bookmarks && DateTime.UtcNow - lastBookmark >= BookmarkInterval)
                {
                    var bookmark = new JsonObject
                    {
                        ["kind"] = type.Kind,
                        ["apiVersion"] = type.ApiVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = position.ToString(CultureInfo.InvariantCulture) },
                    };
                    await context.Response.WriteAsync(EventLine("BOOKMARK", bookmark.ToJsonString()), ended.Token);
                    Spoke(ref silent);
                    lastBookmark = DateTime.UtcNow;
                }

                await context.Response.Body.FlushAsync(ended.Token);
                await Task.WhenAny(pulse, Task.Delay(BookmarkInterval, ended.Token), finished);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _openWatches);
            Spoke(ref silent);
            if (dropped.IsCancellationRequested)
            {
                context.Abort();
            }
        }
    }

    private JsonObject Put(JsonObject obj, string manager, string? subresource, DateTimeOffset? at)
    {
        var apiVersion = obj["apiVersion"]?.GetValue<string>() ?? throw new ArgumentException("apiVersion is required");
        var kind = obj["kind"]?.GetValue<string>() ?? throw new ArgumentException("kind is required");
        var metadata = obj["metadata"] as JsonObject ?? throw new ArgumentException("metadata is required");
        var name = metadata["name"]!.GetValue<string>();
        var type = TypeOf(apiVersion, kind);
        var resourceType = _typesByKey[type];
        var ns = resourceType.Namespaced ? metadata["namespace"]?.GetValue<string>() ?? "default" : string.Empty;
        var now = at ?? DateTimeOffset.UtcNow;
        lock (_lock)
        {
            var previous = _objects.TryGetValue((type, ns, name), out var previousJson) ? ManagedFieldsTracker.Parse(previousJson) : null;
            if (resourceType.Namespaced)
            {
                metadata["namespace"] = ns;
            }

            if (previous?["metadata"]?["managedFields"] is { } fields && metadata["managedFields"] is null)
            {
                metadata["managedFields"] = fields.DeepClone();
            }

            ManagedFieldsTracker.Record(previous, obj, manager, subresource, now);
            return Store(obj, previous, now, statusOnly: subresource == "status");
        }
    }

    /// <summary>
    /// Server-side apply (<c>PATCH</c>, <c>application/apply-patch+yaml</c>; JSON is YAML):
    /// <c>fieldManager</c> required, <c>force</c>, <c>dryRun=All</c> (the result, nothing stored),
    /// and the applied <c>metadata.resourceVersion</c> as a precondition (409 when the object changed).
    /// Conflicts with other managers are a 409 naming each manager and field, as the API server words them.
    /// </summary>
    private async Task ApplyAsync(HttpContext context, KubeResourceType type, string? ns, string name)
    {
        var query = context.Request.Query;
        var manager = query["fieldManager"].ToString();
        if (manager.Length == 0)
        {
            await WriteStatus(context, 422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
            return;
        }

        if (await ReadObjectAsync(context, "error decoding YAML: ") is not { } applied)
        {
            return;
        }

        if (applied["kind"]?.GetValue<string>() != type.Kind || applied["metadata"]?["name"]?.GetValue<string>() != name)
        {
            await WriteStatus(context, 400, "BadRequest", $"the body of the request names another object than {type.Plural} \"{name}\"");
            return;
        }

        var force = query["force"] == "true";
        var dryRun = query["dryRun"] == "All";
        var typeKey = TypeKey(type.Group, type.Kind);
        var storedNs = type.Namespaced ? ns ?? "default" : string.Empty;
        var conflicts = new List<(string Manager, string Field)>();
        JsonObject? result;
        bool created;
        lock (_lock)
        {
            var current = _objects.TryGetValue((typeKey, storedNs, name), out var json) ? ManagedFieldsTracker.Parse(json) : null;
            created = current is null;
            if (applied["metadata"]?["resourceVersion"]?.GetValue<string>() is { } precondition
                && precondition != current?["metadata"]?["resourceVersion"]?.GetValue<string>())
            {
                result = null;
            }
            else
            {
                result = ManagedFieldsTracker.Apply(current, applied, manager, force, DateTimeOffset.UtcNow, conflicts) ?? new JsonObject();
                if (conflicts.Count == 0 || force)
                {
                    if (current?["status"] is { } status)
                    {
                        result["status"] = status.DeepClone();
                    }

                    if (type.Namespaced)
                    {
                        result["metadata"]!["namespace"] = storedNs;
                    }

                    result = dryRun ? result : Store(result, current, DateTimeOffset.UtcNow);
                }
            }
        }

        if (result is null)
        {
            await WriteStatus(context, 409, "Conflict", $"Operation cannot be fulfilled on {Qualified(type)} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
        }
        else if (conflicts.Count > 0 && !force)
        {
            var status = Status(409, "Conflict", $"Apply failed with {conflicts.Count} conflict{(conflicts.Count == 1 ? string.Empty : "s")}: {string.Join("; ", conflicts.Select(c => $"conflict with {c.Manager} using {type.ApiVersion}: {c.Field}"))}");
            status["details"] = new JsonObject
            {
                ["name"] = name,
                ["group"] = type.Group,
                ["kind"] = type.Plural,
                ["causes"] = new JsonArray([.. conflicts.Select(c => (JsonNode)new JsonObject
                {
                    ["reason"] = "FieldManagerConflict",
                    ["message"] = $"conflict with {c.Manager} using {type.ApiVersion}",
                    ["field"] = c.Field,
                })]),
            };
            context.Response.StatusCode = 409;
            await WriteJson(context, status);
        }
        else
        {
            context.Response.StatusCode = created && !dryRun ? 201 : 200;
            await WriteJson(context, result);
        }
    }

    /// <summary>
    /// An Update of one object, or of its <c>scale</c> or <c>status</c> subresource: <c>PUT</c> of
    /// the whole (its <c>metadata.resourceVersion</c> a precondition: 409 when the object moved on),
    /// or <c>PATCH</c> as JSON patch, JSON merge patch or strategic merge patch (built-in kinds only:
    /// a custom resource answers 415 as on the real server). The fields it changes move to the
    /// request's <c>fieldManager</c>, else the manager the User-Agent names, as an Update with the
    /// subresource written; <c>dryRun=All</c> answers the result without storing it. An object that
    /// does not exist is a 404; a patch that does not apply is a 422 <c>Invalid</c> whose message,
    /// like the real one's, does not say why.
    /// </summary>
    private async Task WriteAsync(HttpContext context, KubeResourceType type, string? ns, string name, string? subresource)
    {
        var contentType = context.Request.ContentType ?? string.Empty;
        var format = context.Request.Method == "PUT" ? "update"
            : contentType.StartsWith("application/json-patch+json", StringComparison.Ordinal) ? "json"
            : contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal) ? "merge"
            : contentType.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal) && IsBuiltIn(type) ? "strategic"
            : null;
        if (format is null)
        {
            await WriteStatus(context, 415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml{(IsBuiltIn(type) ? ", application/strategic-merge-patch+json" : string.Empty)}");
            return;
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        JsonNode? body;
        try
        {
            body = JsonNode.Parse(await reader.ReadToEndAsync(context.RequestAborted), documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (System.Text.Json.JsonException e)
        {
            await WriteStatus(context, 400, "BadRequest", e.Message);
            return;
        }

        if (format == "json" ? body is not JsonArray : body is not JsonObject)
        {
            await WriteStatus(context, 400, "BadRequest", format == "json" ? "json: cannot unmarshal object into Go value of type jsonpatch.Patch" : "the body of the request is not a JSON object");
            return;
        }

        var manager = UpdateManager(context.Request);
        var dryRun = context.Request.Query["dryRun"] == "All";
        var storedNs = type.Namespaced ? ns ?? "default" : string.Empty;
        var key = (TypeKey(type.Group, type.Kind), storedNs, name);
        JsonObject? next = null;
        var outcome = 200;
        lock (_lock)
        {
            if (!_objects.TryGetValue(key, out var json))
            {
                outcome = 404;
            }
            else
            {
                var current = ManagedFieldsTracker.Parse(json);
                var view = subresource == "scale" ? ScaleOf(current) : ManagedFieldsTracker.Parse(json);
                var patched = format switch
                {
                    "update" => body!.AsObject(),
                    "json" => PatchDocuments.JsonPatch(view, body!.AsArray()),
                    "merge" => PatchDocuments.MergePatch(view, body) as JsonObject,
                    _ => PatchDocuments.StrategicMergePatch(view, body!.AsObject()),
                };
                if (patched is null || patched["metadata"]?["name"]?.GetValue<string>() is { } renamed && renamed != name)
                {
                    outcome = 422;
                }
                else if (format == "update" && patched["metadata"]?["resourceVersion"]?.GetValue<string>() is { } precondition
                    && precondition != current["metadata"]?["resourceVersion"]?.GetValue<string>())
                {
                    outcome = 409;
                }
                else
                {
                    // A write of the main resource leaves status as it was, and one of status leaves the rest.
                    next = subresource switch
                    {
                        "scale" when patched["spec"]?["replicas"] is JsonValue replicas && replicas.TryGetValue<long>(out _) => WithMember(current, "spec", "replicas", replicas.DeepClone()),
                        "scale" => null,
                        "status" => WithMember(current, null, "status", patched["status"]?.DeepClone()),
                        _ => WithMember(patched, null, "status", current["status"]?.DeepClone()),
                    };
                    // Absent managedFields keep the stored ones, as on the real server (an empty list resets them).
                    var managedFieldsGiven = subresource is null && next?["metadata"]?["managedFields"] is { } given
                        && !JsonNode.DeepEquals(given, current["metadata"]?["managedFields"]);
                    if (next is null)
                    {
                        outcome = 422;
                    }
                    else if (dryRun)
                    {
                        ManagedFieldsTracker.Record(current, next, manager, subresource, DateTimeOffset.UtcNow);
                    }
                    else if (managedFieldsGiven)
                    {
                        // A request that sets managedFields itself (kubectl's move from client-side
                        // to server-side apply rewrites them) has them stored as given.
                        next = Store(next, current, DateTimeOffset.UtcNow);
                    }
                    else
                    {
                        next = Put(next, manager, subresource, null);
                    }
                }
            }
        }

        switch (outcome)
        {
            case 404:
                await WriteNotFound(context, type, name);
                return;
            case 409:
                await WriteStatus(context, 409, "Conflict", $"Operation cannot be fulfilled on {Qualified(type)} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
                return;
            case 422:
                var status = Status(422, "Invalid", "the server rejected our request due to an error in our request");
                status["details"] = new JsonObject();
                context.Response.StatusCode = 422;
                await WriteJson(context, status);
                return;
        }

        await WriteJson(context, subresource == "scale" ? ScaleOf(next!) : next!);
    }

    /// <summary>
    /// A namespace that held objects (or <c>default</c>) exists, as on a real server where nothing
    /// is created in a namespace that does not: kubectl asks for it when an object is not found.
    /// </summary>
    private JsonObject? ImpliedNamespace(string name)
    {
        lock (_lock)
        {
            if (!_namespaces.Contains(name))
            {
                return null;
            }
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = name } },
            ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
            ["status"] = new JsonObject { ["phase"] = "Active" },
        };
    }

    /// <summary>
    /// The manager of an Update: the request's <c>fieldManager</c>, else, as the real server does,
    /// the User-Agent up to its first <c>/</c> (<c>kubectl/v1.32.4 (linux/amd64) ...</c>: <c>kubectl</c>).
    /// </summary>
    private static string UpdateManager(HttpRequest request)
    {
        if (request.Query["fieldManager"].ToString() is { Length: > 0 } given)
        {
            return given;
        }

        var agent = request.Headers.UserAgent.ToString();
        var slash = agent.IndexOf('/', StringComparison.Ordinal);
        var prefix = slash < 0 ? agent : agent[..slash];
        return prefix.Length > 0 ? prefix : "unknown";
    }

    /// <summary>Kinds of the Kubernetes API itself, which take strategic merge patches; custom resources (Istio's) do not.</summary>
    private static bool IsBuiltIn(KubeResourceType type) => type.Group.Length == 0 || type.Group.EndsWith(".k8s.io", StringComparison.Ordinal) || !type.Group.Contains('.', StringComparison.Ordinal);

    private static JsonObject WithMember(JsonObject obj, string? parent, string member, JsonNode? value)
    {
        var copy = ManagedFieldsTracker.Parse(obj.ToJsonString());
        var target = parent is null ? copy : (JsonObject)(copy[parent] ??= new JsonObject());
        if (value is null)
        {
            target.Remove(member);
        }
        else
        {
            target[member] = value;
        }

        return copy;
    }

    /// <summary>The <c>autoscaling/v1</c> Scale of a Deployment, StatefulSet or ReplicaSet, as its <c>/scale</c> subresource answers.</summary>
    private static JsonObject ScaleOf(JsonObject obj)
    {
        var metadata = obj["metadata"]!;
        var replicas = obj["spec"]?["replicas"]?.DeepClone() ?? 1;
        var labels = obj["spec"]?["selector"]?["matchLabels"] as JsonObject;
        var scaleMetadata = new JsonObject();
        foreach (var field in new[] { "name", "namespace", "uid", "resourceVersion", "creationTimestamp" })
        {
            if (metadata[field] is { } value)
            {
                scaleMetadata[field] = value.DeepClone();
            }
        }

        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = scaleMetadata,
            ["spec"] = new JsonObject { ["replicas"] = replicas },
            ["status"] = new JsonObject
            {
                ["replicas"] = obj["status"]?["replicas"]?.DeepClone() ?? 0,
                ["selector"] = labels is null ? string.Empty : string.Join(",", labels.Select(kv => $"{kv.Key}={kv.Value}")),
            },
        };
    }

    /// <summary>The request's body as one object; null after a 400 (its message after <paramref name="refusal"/>) when it is none.</summary>
    private static async Task<JsonObject?> ReadObjectAsync(HttpContext context, string refusal)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        try
        {
            return ManagedFieldsTracker.Parse(await reader.ReadToEndAsync(context.RequestAborted));
        }
        catch (System.Text.Json.JsonException e)
        {
            await WriteStatus(context, 400, "BadRequest", refusal + e.Message);
            return null;
        }
    }

    /// <summary>
    /// <c>POST</c> of a new object to its collection, as the real server does a create: 201 and the
    /// stored object, its <c>fieldManager</c>'s fields recorded as an Update; 409
    /// <c>AlreadyExists</c> when an object of that name exists (a dry run too); <c>dryRun=All</c>
    /// answers the object without storing it. A body of another kind or namespace is a 400, a
    /// <c>resourceVersion</c> in it a 500 (the storage refuses it).
    /// </summary>
    private async Task CreateAsync(HttpContext context, KubeResourceType type, string? ns)
    {
        if (await ReadObjectAsync(context, "error decoding the object: ") is not { } body)
        {
            return;
        }

        var metadata = body["metadata"] as JsonObject;
        var name = metadata?["name"]?.GetValue<string>();
        var storedNs = type.Namespaced ? ns ?? "default" : string.Empty;
        if (body["kind"]?.GetValue<string>() != type.Kind || body["apiVersion"]?.GetValue<string>() != type.ApiVersion)
        {
            await WriteStatus(context, 400, "BadRequest", $"the API version in the data ({body["apiVersion"]}) does not match the expected API version ({type.ApiVersion})");
            return;
        }

        if (metadata is null || string.IsNullOrEmpty(name))
        {
            await WriteStatus(context, 422, "Invalid", $"{type.Kind} \"\" is invalid: metadata.name: Required value: name or generateName is required");
            return;
        }

        if (type.Namespaced && metadata["namespace"]?.GetValue<string>() is { } bodyNs && bodyNs != storedNs)
        {
            await WriteStatus(context, 400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
            return;
        }

        if (metadata["resourceVersion"] is not null)
        {
            await WriteStatus(context, 500, "InternalError", "Internal error occurred: resourceVersion should not be set on objects to be created");
            return;
        }

        var dryRun = context.Request.Query["dryRun"] == "All";
        var manager = UpdateManager(context.Request);
        if (type.Namespaced)
        {
            metadata["namespace"] = storedNs;
        }

        metadata.Remove("managedFields");
        JsonObject? created = null;
        lock (_lock)
        {
            if (!_objects.ContainsKey((TypeKey(type.Group, type.Kind), storedNs, name)))
            {
                var now = DateTimeOffset.UtcNow;
                if (dryRun)
                {
                    ManagedFieldsTracker.Record(null, body, manager, null, now);
                    metadata["uid"] = Guid.NewGuid().ToString();
                    metadata["creationTimestamp"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                    metadata["generation"] = 1;
                    created = body;
                }
                else
                {
                    created = Put(body, manager, null, now);
                }
            }
        }

        if (created is null)
        {
            var status = Status(409, "AlreadyExists", $"{Qualified(type)} \"{name}\" already exists");
            status["details"] = Details(type, name);
            context.Response.StatusCode = 409;
            await WriteJson(context, status);
            return;
        }

        context.Response.StatusCode = dryRun ? 200 : 201;
        await WriteJson(context, created);
    }

    /// <summary>A resource as the API server names it in messages: <c>configmaps</c>, <c>deployments.apps</c>.</summary>
    private static string Qualified(KubeResourceType type) => type.Group.Length == 0 ? type.Plural : $"{type.Plural}.{type.Group}";

    private static JsonObject Details(KubeResourceType type, string name)
    {
        var details = new JsonObject { ["name"] = name };
        if (type.Group.Length > 0)
        {
            details["group"] = type.Group;
        }

        details["kind"] = type.Plural;
        return details;
    }

    private static async Task WriteNotFound(HttpContext context, KubeResourceType type, string name)
    {
        var status = Status(404, "NotFound", $"{Qualified(type)} \"{name}\" not found");
        status["details"] = Details(type, name);
        context.Response.StatusCode = 404;
        await WriteJson(context, status);
    }

    /// <summary>
    /// <c>DELETE</c> of one object with <c>DeleteOptions</c>: <c>preconditions.resourceVersion</c>
    /// (409 when the object moved on) and <c>dryRun</c> (in the body or the query: nothing removed).
    /// </summary>
    private async Task DeleteAsync(HttpContext context, KubeResourceType type, string? ns, string name)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        var options = text.Length == 0 ? new JsonObject() : ManagedFieldsTracker.Parse(text);
        var precondition = options["preconditions"]?["resourceVersion"]?.GetValue<string>();
        var dryRun = context.Request.Query["dryRun"] == "All" || (options["dryRun"] as JsonArray)?.Any(d => d?.GetValue<string>() == "All") == true;
        var storedNs = type.Namespaced ? ns ?? "default" : string.Empty;
        string? current;
        lock (_lock)
        {
            _objects.TryGetValue((TypeKey(type.Group, type.Kind), storedNs, name), out current);
        }

        if (current is null)
        {
            await WriteNotFound(context, type, name);
            return;
        }

        var version = ManagedFieldsTracker.Parse(current)["metadata"]?["resourceVersion"]?.GetValue<string>();
        if (precondition is not null && precondition != version)
        {
            await WriteStatus(context, 409, "Conflict", $"Operation cannot be fulfilled on {Qualified(type)} \"{name}\": Precondition failed: ResourceVersion in precondition: {precondition}, ResourceVersion in object meta: {version}");
            return;
        }

        if (!dryRun)
        {
            Delete(type.ApiVersion, type.Kind, storedNs.Length == 0 ? null : storedNs, name);
        }

        var status = Status(200, string.Empty, string.Empty);
        status["status"] = "Success";
        status.Remove("reason");
        status.Remove("message");
        status["details"] = new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Plural };
        await WriteJson(context, status);
    }

    /// <summary>
    /// Stores an object as a write does: its uid and creation time kept, a new resourceVersion, the
    /// generation moved on unless only status changed, a watch event; under the lock.
    /// </summary>
    private JsonObject Store(JsonObject obj, JsonObject? previous, DateTimeOffset now, bool statusOnly = false)
    {
        var metadata = obj["metadata"]!.AsObject();
        var apiVersion = obj["apiVersion"]!.GetValue<string>();
        var type = TypeOf(apiVersion, obj["kind"]!.GetValue<string>());
        var ns = metadata["namespace"]?.GetValue<string>() ?? string.Empty;
        var rv = ++_resourceVersion;
        metadata["uid"] = previous?["metadata"]?["uid"]?.DeepClone() ?? Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = previous?["metadata"]?["creationTimestamp"]?.DeepClone() ?? now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        metadata["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        var generation = previous?["metadata"]?["generation"]?.GetValue<long>() ?? 0;
        // As on the real server, the generation counts changes of the spec: not of status, labels or annotations.
        var specKept = previous?["spec"] is { } previousSpec && JsonNode.DeepEquals(previousSpec, obj["spec"]);
        metadata["generation"] = statusOnly || specKept ? generation : generation + 1;
        var json = obj.ToJsonString();
        var name = metadata["name"]!.GetValue<string>();
        _objects[(type, ns, name)] = json;
        if (ns.Length > 0)
        {
            _namespaces.Add(ns);
        }

        Append(new StoredEvent(rv, previous is null ? "ADDED" : "MODIFIED", type, ns, name, json));
        return obj;
    }

    private void Spoke(ref bool silent)
    {
        if (silent)
        {
            silent = false;
            Interlocked.Decrement(ref _silentWatches);
        }
    }

    /// <summary>Wakes only the watches that can see the event: its type in its namespace, or in all namespaces.</summary>
    private void Append(StoredEvent e)
    {
        _log.Add(e);
        foreach (var key in new[] { (e.Type, (string?)e.Namespace), (e.Type, null) })
        {
            if (_pulses.Remove(key, out var pulse))
            {
                pulse.TrySetResult();
            }
        }
    }

    private TaskCompletionSource PulseFor(string type, string? ns)
    {
        if (!_pulses.TryGetValue((type, ns), out var pulse))
        {
            pulse = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _pulses[(type, ns)] = pulse;
        }

        return pulse;
    }

    private string TypeOf(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var key = TypeKey(slash < 0 ? string.Empty : apiVersion[..slash], kind);
        return _typesByKey.ContainsKey(key) ? key : throw new ArgumentException($"the server does not serve {apiVersion} {kind}");
    }

    private static string TypeKey(string group, string kind) => group + "/" + kind;

    /// <summary>
    /// OpenAPI v3's index: one document per group version. kubectl's <c>apply</c>, <c>create</c>
    /// and <c>edit</c> validate against it and fail when there is none (a 404 here makes them fall
    /// back to v2, and fail on that too).
    /// </summary>
    private JsonObject OpenApiIndex()
    {
        var paths = new JsonObject();
        foreach (var (group, version) in _typesByKey.Values.Select(t => (t.Group, t.Version)).Distinct())
        {
            var path = group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>
    /// A group version's OpenAPI v3 document, saying only what this simulation knows: each kind it
    /// serves is an object with its group, version and kind, whose fields are not described (every
    /// field is accepted, as <c>x-kubernetes-preserve-unknown-fields</c> says). Client-side apply
    /// and edit compute their strategic merge patches of built-in kinds from kubectl's compiled-in
    /// types, not from this.
    /// </summary>
    private JsonObject OpenApiDocument(string group, string version)
    {
        var schemas = new JsonObject();
        foreach (var type in _typesByKey.Values.Where(t => t.Group == group && t.Version == version))
        {
            schemas[$"sim.{(group.Length == 0 ? "core" : group)}.{version}.{type.Kind}"] = new JsonObject
            {
                ["type"] = "object",
                ["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = type.Kind }),
                ["x-kubernetes-preserve-unknown-fields"] = true,
            };
        }

        // Each write names its kind and the fieldValidation parameter: kubectl then leaves validation
        // to the server (fieldValidation=Strict) instead of downloading OpenAPI v2 to validate itself.
        var paths = new JsonObject();
        foreach (var type in _typesByKey.Values.Where(t => t.Group == group && t.Version == version))
        {
            var collection = type.Prefix + (type.Namespaced ? "/namespaces/{namespace}/" : "/") + type.Plural;
            JsonObject Operation(string id) => new()
            {
                ["operationId"] = id + type.Kind,
                ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = type.Kind },
                ["parameters"] = new JsonArray(new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } }),
                ["responses"] = new JsonObject(),
            };
            paths[collection] = new JsonObject { ["post"] = Operation("create") };
            paths[collection + "/{name}"] = new JsonObject { ["put"] = Operation("replace"), ["patch"] = Operation("patch") };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "DriftFabric simulated Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private JsonObject GroupList()
    {
        var groups = new JsonArray();
        foreach (var group in _typesByKey.Values.Where(t => t.Group.Length > 0).GroupBy(t => t.Group).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var versions = new JsonArray();
            foreach (var version in group.Select(t => t.Version).Distinct())
            {
                versions.Add(new JsonObject { ["groupVersion"] = $"{group.Key}/{version}", ["version"] = version });
            }

            groups.Add(new JsonObject { ["name"] = group.Key, ["versions"] = versions, ["preferredVersion"] = versions[0]!.DeepClone() });
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    private JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var type in _typesByKey.Values.Where(t => t.Group == group && t.Version == version))
        {
            var resource = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Kind.ToLowerInvariant(),
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray("get", "list", "watch", "create", "update", "patch", "delete"),
            };
            if (type.ShortNames.Count > 0)
            {
                resource["shortNames"] = new JsonArray([.. type.ShortNames.Select(n => (JsonNode)n)]);
            }

            resources.Add(resource);
            if (type.Scales)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = type.Plural + "/scale",
                    ["singularName"] = string.Empty,
                    ["namespaced"] = type.Namespaced,
                    ["group"] = "autoscaling",
                    ["version"] = "v1",
                    ["kind"] = "Scale",
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}", ["resources"] = resources };
    }

    private static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    private static string EventLine(string type, string objectJson) => $"{{\"type\":\"{type}\",\"object\":{objectJson}}}\n";

    private static async Task WriteJson(HttpContext context, JsonNode body)
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8);
    }

    private static Task WriteStatus(HttpContext context, int code, string reason, string message)
    {
        context.Response.StatusCode = code;
        return WriteJson(context, Status(code, reason, message));
    }

    private sealed record StoredEvent(long ResourceVersion, string Kind, string Type, string Namespace, string Name, string Json);

    private sealed class Releaser(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}
