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
/// real KubernetesClient: discovery, lists with a resourceVersion, chunked watch streams with
/// ADDED/MODIFIED/DELETED/BOOKMARK/ERROR events, 410 Gone for compacted versions, server-set
/// managedFields, creates, server-side apply, JSON patches and deletes with their preconditions and
/// dry runs, and fault injection (drop watches, stall, fail requests, expire versions, another
/// writer's change just before a given request). Objects change through its methods, as an
/// operator's kubectl would change them.
/// </summary>
public sealed class KubeApiServer : IAsyncDisposable
{
    private readonly Lock _lock = new();
    // Objects as JSON text: a hundred thousand of them as node trees would weigh on the very
    // process the latency benchmark measures.
    private readonly Dictionary<(string Type, string Namespace, string Name), string> _objects = [];
    private readonly List<StoredEvent> _log = [];
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

    /// <summary>How many watches were refused with 410 Gone.</summary>
    public int GoneResponses => Volatile.Read(ref _gone);

    public IReadOnlyCollection<KubeResourceType> Types => _typesByKey.Values;

    public static async Task<KubeApiServer> StartAsync(IEnumerable<KubeResourceType>? types = null)
    {
        KubeApiServer? server = null;
        var (app, baseUri) = await LoopbackWeb.StartAsync(app =>
        {
            server = new KubeApiServer(app, types ?? KubeResourceType.Defaults);
            app.Run(server.HandleAsync);
        });
        server!.BaseUri = baseUri;
        return server;
    }

    /// <summary>A kubeconfig file content that points a context at this server.</summary>
    public string KubeConfig(string context = "test") => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {context}
          cluster:
            server: {BaseUri.ToString().TrimEnd('/')}
        users:
        - name: {context}
          user:
            token: test-token
        contexts:
        - name: {context}
          context:
            cluster: {context}
            user: {context}
            namespace: default
        current-context: {context}
        """;

    // ---- changes, as an operator or a controller makes them ----

    /// <summary>Creates or replaces an object (YAML-free: JSON text), owned by <paramref name="manager"/>.</summary>
    public JsonObject Put(string json, string manager = "kubectl-client-side-apply", DateTimeOffset? at = null) =>
        Put(ManagedFieldsTracker.Parse(json), manager, null, at);

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
            Append(new StoredEvent(rv, "DELETED", type, ns ?? string.Empty, existing.ToJsonString()));
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
        var apply = context.Request.Method == "PATCH" && (context.Request.ContentType ?? string.Empty).StartsWith("application/apply-patch", StringComparison.Ordinal);
        var delete = context.Request.Method == "DELETE";
        var jsonPatch = context.Request.Method == "PATCH" && (context.Request.ContentType ?? string.Empty).StartsWith("application/json-patch+json", StringComparison.Ordinal);
        var create = context.Request.Method == "POST";
        if (context.Request.Method != "GET" && !apply && !delete && !jsonPatch && !create)
        {
            await WriteStatus(context, 405, "MethodNotAllowed", "only reads, creates, server-side apply, JSON patches and deletes are served over HTTP");
            return;
        }

        switch (segments)
        {
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
        var (plural, ns, name) = rest switch
        {
            ["namespaces", var n, var p] => (p, n, (string?)null),
            ["namespaces", var n, var p, var o] => (p, n, o),
            [var p] => (p, null, null),
            [var p, var o] => (p, null, o),
            _ => (string.Empty, null, null),
        };
        var type = _typesByKey.Values.FirstOrDefault(t => t.Group == group2 && t.Version == version2 && t.Plural == plural);
        if (type is null)
        {
            await WriteStatus(context, 404, "NotFound", $"the server could not find the requested resource ({context.Request.Path})");
            return;
        }

        if (create)
        {
            await (name is null ? CreateAsync(context, type, ns) : WriteStatus(context, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
            return;
        }

        if (apply || delete || jsonPatch)
        {
            await (name is null ? WriteStatus(context, 405, "MethodNotAllowed", "apply, patch and delete name one object")
                : apply ? ApplyAsync(context, type, ns, name) : delete ? DeleteAsync(context, type, ns, name) : JsonPatchAsync(context, type, ns, name));
            return;
        }

        if (name is not null)
        {
            var obj = Get(type.ApiVersion, type.Kind, ns, name);
            await (obj is null ? WriteStatus(context, 404, "NotFound", $"{type.Plural} \"{name}\" not found") : WriteJson(context, obj));
            return;
        }

        var query = context.Request.Query;
        var rv = query["resourceVersion"].ToString();
        if (query["watch"] is var watch && (watch == "true" || watch == "1"))
        {
            var bookmarks = query["allowWatchBookmarks"] == "true";
            var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
            await WatchAsync(context, type, ns, rv, bookmarks, timeout);
        }
        else
        {
            await ListAsync(context, type, ns);
        }
    }

    private async Task ListAsync(HttpContext context, KubeResourceType type, string? ns)
    {
        var typeKey = TypeKey(type.Group, type.Kind);
        var items = new List<string>();
        long rv;
        lock (_lock)
        {
            rv = _resourceVersion;
            foreach (var ((t, n, _), obj) in _objects.OrderBy(o => o.Key.Namespace, StringComparer.Ordinal).ThenBy(o => o.Key.Name, StringComparer.Ordinal))
            {
                if (t == typeKey && (ns is null || n == ns))
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

    private async Task WatchAsync(HttpContext context, KubeResourceType type, string? ns, string rvText, bool bookmarks, TimeSpan timeout)
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
                    foreach (var ((t, n, _), obj) in _objects)
                    {
                        if (t == typeKey && (ns is null || n == ns))
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
                        if (e.ResourceVersion > position && e.Type == typeKey && (ns is null || e.Namespace == ns))
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
            await WriteStatus(context, 409, "Conflict", $"Operation cannot be fulfilled on {type.Plural}.{type.Group} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
        }
        else if (conflicts.Count > 0 && !force)
        {
            var status = Status(409, "Conflict", $"Apply failed with {conflicts.Count} conflict{(conflicts.Count == 1 ? string.Empty : "s")}: {string.Join("; ", conflicts.Select(c => $"conflict with \"{c.Manager}\" using {type.ApiVersion}: {c.Field}"))}");
            status["details"] = new JsonObject
            {
                ["name"] = name,
                ["group"] = type.Group,
                ["kind"] = type.Plural,
                ["causes"] = new JsonArray([.. conflicts.Select(c => (JsonNode)new JsonObject
                {
                    ["reason"] = "FieldManagerConflict",
                    ["message"] = $"conflict with \"{c.Manager}\" using {type.ApiVersion}",
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
    /// A JSON patch (RFC 6902: <c>test</c> and <c>remove</c>) of one object, as an Update by the
    /// request's <c>fieldManager</c>; <c>dryRun=All</c> answers the result without storing it. As
    /// on the real server, an object that does not exist is a 404, and a patch that does not apply
    /// (a failed <c>test</c>, a path not in the object) is a 422 <c>Invalid</c> whose message does
    /// not say which: the real one answers it with its generic message and no causes.
    /// </summary>
    private async Task JsonPatchAsync(HttpContext context, KubeResourceType type, string? ns, string name)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        JsonArray? ops;
        try
        {
            ops = JsonNode.Parse(await reader.ReadToEndAsync(context.RequestAborted)) as JsonArray;
        }
        catch (System.Text.Json.JsonException e)
        {
            await WriteStatus(context, 400, "BadRequest", e.Message);
            return;
        }

        if (ops is null)
        {
            await WriteStatus(context, 400, "BadRequest", "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
            return;
        }

        var manager = context.Request.Query["fieldManager"].ToString() is { Length: > 0 } m ? m : "unknown";
        var storedNs = type.Namespaced ? ns ?? "default" : string.Empty;
        var key = (TypeKey(type.Group, type.Kind), storedNs, name);
        JsonObject? next;
        bool found;
        lock (_lock)
        {
            found = _objects.TryGetValue(key, out var json);
            next = found ? Patched(ManagedFieldsTracker.Parse(json!), ops) : null;
            if (next is not null && context.Request.Query["dryRun"] != "All")
            {
                next = Put(next, manager, null, null);
            }
            else if (next is not null)
            {
                ManagedFieldsTracker.Record(ManagedFieldsTracker.Parse(json!), next, manager, null, DateTimeOffset.UtcNow);
            }
        }

        if (!found)
        {
            await WriteNotFound(context, type, name);
            return;
        }

        if (next is null)
        {
            var status = Status(422, "Invalid", "the server rejected our request due to an error in our request");
            status["details"] = new JsonObject();
            context.Response.StatusCode = 422;
            await WriteJson(context, status);
            return;
        }

        await WriteJson(context, next);
    }

    /// <summary>The object with the operations applied in order, or null when one does not apply.</summary>
    private static JsonObject? Patched(JsonObject obj, JsonArray ops)
    {
        foreach (var op in ops)
        {
            if (op?["path"]?.GetValue<string>() is not { } pointer || (pointer.Length > 0 && pointer[0] != '/'))
            {
                return null;
            }

            var path = pointer.Length == 0 ? [] : pointer[1..].Split('/').Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
            JsonNode? parent = obj;
            for (var i = 0; i < path.Length - 1 && parent is not null; i++)
            {
                parent = Child(parent, path[i]);
            }

            var target = path.Length == 0 ? obj : parent is null ? null : Child(parent, path[^1]);
            var exists = path.Length == 0 || (parent is JsonObject o ? o.ContainsKey(path[^1]) : target is not null);
            switch (op["op"]?.GetValue<string>())
            {
                case "test" when exists && JsonNode.DeepEquals(target, op["value"]):
                    break;
                case "remove" when exists && parent is JsonObject map:
                    map.Remove(path[^1]);
                    break;
                case "remove" when exists && parent is JsonArray items:
                    items.RemoveAt(int.Parse(path[^1], CultureInfo.InvariantCulture));
                    break;
                default:
                    return null;
            }
        }

        return obj;
    }

    private static JsonNode? Child(JsonNode parent, string segment) => parent switch
    {
        JsonObject map => map[segment],
        JsonArray list when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < list.Count => list[index],
        _ => null,
    };

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
        var manager = context.Request.Query["fieldManager"].ToString() is { Length: > 0 } m ? m : "unknown";
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
            await WriteStatus(context, 404, "NotFound", $"{type.Plural}.{type.Group} \"{name}\" not found");
            return;
        }

        var version = ManagedFieldsTracker.Parse(current)["metadata"]?["resourceVersion"]?.GetValue<string>();
        if (precondition is not null && precondition != version)
        {
            await WriteStatus(context, 409, "Conflict", $"Operation cannot be fulfilled on {type.Plural}.{type.Group} \"{name}\": Precondition failed: ResourceVersion in precondition: {precondition}, ResourceVersion in object meta: {version}");
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
        metadata["generation"] = statusOnly ? generation : generation + 1;
        var json = obj.ToJsonString();
        _objects[(type, ns, metadata["name"]!.GetValue<string>())] = json;
        Append(new StoredEvent(rv, previous is null ? "ADDED" : "MODIFIED", type, ns, json));
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
            resources.Add(new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Kind.ToLowerInvariant(),
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray("get", "list", "watch", "create", "update", "patch", "delete"),
            });
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

    private sealed record StoredEvent(long ResourceVersion, string Kind, string Type, string Namespace, string Json);

    private sealed class Releaser(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}
