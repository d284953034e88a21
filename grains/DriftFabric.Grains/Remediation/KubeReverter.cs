using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DriftFabric.Abstractions;
using DriftFabric.Engine;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;
using DriftFabric.Engine.Paths;
using DriftFabric.Engine.Policy;
using DriftFabric.Sources.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace DriftFabric.Grains.Remediation;

public sealed record RevertResult(string Resource, RemediationOutcome Outcome, string Message, IReadOnlyList<FieldChange> Changes);

/// <summary>
/// What to revert: the desired document, the live object as it was when the drift was detected
/// (null when it did not exist), and the paths that drifted (drift syntax:
/// <c>/spec/template/spec/containers[name=web]/image</c>).
/// </summary>
public sealed record RevertRequest(string Resource, string DesiredJson, string? LiveJson, IReadOnlyList<string> DriftedPaths)
{
    /// <summary>Fields the cluster has and the code does not (Added drifts): removed after the apply, which cannot remove fields other managers own.</summary>
    public IReadOnlyList<string> AddedPaths { get; init; } = [];
}

/// <summary>
/// Puts a Kubernetes object back as the code declares it, by server-side apply of the desired
/// document with field manager <see cref="FieldManager"/>:
/// <list type="number">
/// <item>the object is read again: if anything but its status and bookkeeping changed since the
/// drift was detected, nothing is written and the change is reported; else its current
/// <c>resourceVersion</c> is the precondition of every request, so a change made meanwhile is a 409;</item>
/// <item>a server-side dry run, without force;</item>
/// <item>conflicts with other managers are taken by force only when every conflicting field is one
/// that drifted; a conflict on any other field leaves the object alone (<see cref="RemediationOutcome.Contested"/>);</item>
/// <item>what the dry run's result changes against live is the preview; without <c>dryRun</c> the
/// same request is then sent for real.</item>
/// </list>
/// A missing object is created (a create, refused when one of its name exists by then, never an
/// apply, which would take it over). Secrets are skipped: DriftFabric holds only digests of their
/// values and would write those. Every kind goes through the same calls, whatever its group.
/// A Secret to delete is compared sealed with <paramref name="digest"/>, the digest its detected
/// document was sealed with (the installation's).
/// </summary>
public sealed class KubeReverter(IKubernetes client, Engine.Comparison.SecretDigest digest)
{
    public const string FieldManager = "driftfabric";

    // The engine says what changed, by the rules the drifts were found by, a Secret's values as
    // this installation's digests.
    private readonly DriftEngine _engine = new(DriftPolicy.Default with { SecretDigest = digest });

    public async Task<RevertResult> RevertAsync(KubeTarget target, RevertRequest request, bool dryRun, CancellationToken ct = default)
    {
        if (IsSecret(target))
        {
            return new RevertResult(request.Resource, RemediationOutcome.Skipped, "Secrets are not reverted: DriftFabric keeps only digests of their values; re-run the pipeline that owns it", []);
        }

        try
        {
            return await RevertObjectAsync(target, request, dryRun, ct);
        }
        catch (Exception e) when (!(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            return Refused(request.Resource, "not reverted", e, secret: false);
        }
    }

    private async Task<RevertResult> RevertObjectAsync(KubeTarget target, RevertRequest request, bool dryRun, CancellationToken ct)
    {
        var body = JsonNode.Parse(request.DesiredJson)!.AsObject();
        var detected = request.LiveJson is null ? null : JsonNode.Parse(request.LiveJson)!.AsObject();
        var metadata = (body["metadata"] ??= new JsonObject()).AsObject();
        if (metadata["name"]?.GetValue<string>() is not { } name)
        {
            return new RevertResult(request.Resource, RemediationOutcome.Failed, "not reverted: the desired document has no name", []);
        }

        var ns = NamespaceOf(target, metadata);

        // Changed since detection? Status and bookkeeping do not count (a controller updates
        // status, and with it resourceVersion, all the time); anything else does.
        var live = await GetAsync(target, ns, name, ct);
        var since = Changes(detected, live);
        if (live is null)
        {
            return since.Count > 0 ? ChangedSince(request.Resource, since) : await CreateAsync(target, request.Resource, ns, body, dryRun, ct);
        }

        // The object as it is now is the precondition: a change between here and the write is a 409.
        var version = live["metadata"]?["resourceVersion"]?.GetValue<string>();
        metadata["resourceVersion"] = version;
        if (since.Count > 0)
        {
            // Changed, but perhaps back to the code (a revert before this one, not yet seen by the
            // watch): then there is nothing to do, else nothing is done and the change is reported.
            var (now, contested) = await ApplyAsync(target, ns, name, body, dryRun: true, force: false, ct);
            return contested is null && Changes(live, now).Count == 0 && Removal(live, request.AddedPaths).Changes.Count == 0
                ? new RevertResult(request.Resource, RemediationOutcome.InSync, "nothing to change: live already matches the code (it changed after the drift was detected)", [])
                : ChangedSince(request.Resource, since);
        }

        var (preview, conflicts) = await ApplyAsync(target, ns, name, body, dryRun: true, force: false, ct);
        var force = false;
        if (conflicts is not null)
        {
            var foreign = conflicts.Where(c => !request.DriftedPaths.Any(p => Covers(p, c.Field, live))).ToList();
            if (foreign.Count > 0)
            {
                return new RevertResult(request.Resource, RemediationOutcome.Contested,
                    $"not reverted: {string.Join("; ", foreign.Select(c => $"{c.Field} is owned by {c.Manager} and is not a drifted field"))}", []);
            }

            force = true;
            (preview, _) = await ApplyAsync(target, ns, name, body, dryRun: true, force: true, ct);
        }

        var changes = Changes(live, preview);
        var (removal, removed) = Removal(live, request.AddedPaths);
        if (changes.Count == 0 && removed.Count == 0)
        {
            return new RevertResult(request.Resource, RemediationOutcome.InSync, "nothing to change: live already matches the code", []);
        }

        // The fields added outside the code, removed from the object as it is (a dry run too).
        if (removal is not null && await RemoveAsync(target, ns, name, removal, version, dryRun: true, ct) is null)
        {
            return MovedOn(request.Resource, "not reverted");
        }

        if (dryRun)
        {
            return new RevertResult(request.Resource, RemediationOutcome.WouldChange,
                $"would change {Fields(changes.Count + removed.Count)}{(force ? ", taking them from their out-of-band managers" : string.Empty)}", [.. changes, .. removed]);
        }

        var applied = live;
        if (changes.Count > 0)
        {
            (applied, conflicts) = await ApplyAsync(target, ns, name, body, dryRun: false, force, ct);
            if (applied is null)
            {
                return new RevertResult(request.Resource, RemediationOutcome.ChangedSinceDetection,
                    $"not reverted: since the dry run, {string.Join("; ", conflicts!.Select(c => $"{c.Field} was taken by {c.Manager}"))}; it is judged again first", []);
            }
        }

        var written = Changes(live, applied);
        if (removed.Count > 0 && Removal(applied, request.AddedPaths) is ({ } afterApply, { Count: > 0 } left))
        {
            // The apply may already be written: what happens to the removal is said with it.
            JsonObject? removedNow;
            try
            {
                removedNow = await RemoveAsync(target, ns, name, afterApply, applied["metadata"]?["resourceVersion"]?.GetValue<string>(), dryRun: false, ct);
            }
            catch (Exception e) when (written.Count > 0 && !(e is OperationCanceledException && ct.IsCancellationRequested))
            {
                var failed = Refused(request.Resource, "not removed", e, secret: false);
                if (failed.Outcome != RemediationOutcome.ChangedSinceDetection)
                {
                    return new RevertResult(request.Resource, RemediationOutcome.Failed,
                        $"partly reverted: applied {Fields(written.Count)} as {FieldManager}; the fields added outside the code ({Paths(left)}) are left, {failed.Message}", written);
                }

                removedNow = null;
            }

            if (removedNow is null)
            {
                return written.Count == 0 ? MovedOn(request.Resource, "not reverted")
                    : new RevertResult(request.Resource, RemediationOutcome.ChangedSinceDetection,
                        $"partly reverted: applied {Fields(written.Count)} as {FieldManager}, then the object changed before the fields added outside the code were removed ({Paths(left)}); they are left, and it is judged again first", written);
            }

            applied = removedNow;
        }

        return new RevertResult(request.Resource, RemediationOutcome.Reverted, $"reverted {Fields(changes.Count + removed.Count)} as {FieldManager}", Changes(live, applied));
    }

    /// <summary>
    /// Creates a missing object from the code, after a dry run. A create, not an apply: an apply
    /// would take over an object of that name made since the drift was detected, a create is
    /// refused (409 AlreadyExists), and that is reported.
    /// </summary>
    private async Task<RevertResult> CreateAsync(KubeTarget target, string resource, string? ns, JsonObject body, bool dryRun, CancellationToken ct)
    {
        if (await PostAsync(target, ns, body, dryRun: true, ct) is not { } preview)
        {
            return CreatedMeanwhile(resource);
        }

        var changes = Changes(null, preview);
        if (dryRun)
        {
            return new RevertResult(resource, RemediationOutcome.WouldChange, "would create it from the code", changes);
        }

        return await PostAsync(target, ns, body, dryRun: false, ct) is { } created
            ? new RevertResult(resource, RemediationOutcome.Reverted, $"created it from the code as {FieldManager}", Changes(null, created))
            : CreatedMeanwhile(resource);
    }

    private static RevertResult CreatedMeanwhile(string resource) =>
        new(resource, RemediationOutcome.ChangedSinceDetection, "not created: an object of that name was created after the drift was detected; it is judged again first", []);

    private static RevertResult ChangedSince(string resource, List<FieldChange> since) =>
        new(resource, RemediationOutcome.ChangedSinceDetection, $"not reverted: the object changed after the drift was detected ({Paths(since)}); it is judged again first", since);

    private static RevertResult MovedOn(string resource, string notDone) =>
        new(resource, RemediationOutcome.ChangedSinceDetection, $"{notDone}: the object changed after the drift was detected (its resourceVersion moved on); it is judged again first", []);

    /// <summary>The first paths of some changes, for a message; the whole object's (empty) says what became of it.</summary>
    private static string Paths(IEnumerable<FieldChange> changes) =>
        string.Join(", ", changes.Select(c => c.Path.Length > 0 ? c.Path : c.From is null ? "created" : "deleted").Take(5));

    /// <summary>
    /// Deletes an object the code does not declare (only ever when asked explicitly): read again
    /// first, left alone when it changed since detection, deleted with its current
    /// <c>resourceVersion</c> as a precondition, after a server-side dry run. A Secret is compared
    /// sealed (its values as digests), and no value of it is ever part of the result.
    /// </summary>
    public async Task<RevertResult> DeleteAsync(KubeTarget target, string resource, string detectedJson, bool dryRun, CancellationToken ct = default)
    {
        var secret = IsSecret(target);
        try
        {
            var detected = JsonNode.Parse(detectedJson)!.AsObject();
            if (detected["metadata"]?["name"]?.GetValue<string>() is not { } name)
            {
                return new RevertResult(resource, RemediationOutcome.Failed, "not deleted: the live object has no name", []);
            }

            var ns = NamespaceOf(target, detected["metadata"] as JsonObject);
            var live = await GetAsync(target, ns, name, ct);
            if (live is null)
            {
                return new RevertResult(resource, RemediationOutcome.InSync, "nothing to delete: the object is gone already", []);
            }

            var since = Changes(detected, live);
            if (since.Count > 0)
            {
                return new RevertResult(resource, RemediationOutcome.ChangedSinceDetection,
                    $"not deleted: the object changed after the drift was detected ({Paths(since)})", since);
            }

            var version = live["metadata"]?["resourceVersion"]?.GetValue<string>();
            var gone = new List<FieldChange> { new(string.Empty, "(in the cluster)", null) };
            await DeleteObjectAsync(target, ns, name, version, dryRun: true, ct);
            if (dryRun)
            {
                return new RevertResult(resource, RemediationOutcome.WouldChange, "would delete it: it is not declared in the code", gone);
            }

            await DeleteObjectAsync(target, ns, name, version, dryRun: false, ct);
            return new RevertResult(resource, RemediationOutcome.Reverted, "deleted: it is not declared in the code", gone);
        }
        catch (Exception e) when (!(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            return Refused(resource, "not deleted", e, secret);
        }
    }

    private static bool IsSecret(KubeTarget target) => Engine.Manifests.ResourceKey.IsSecretKind(target.Group, target.Kind);

    /// <summary>The namespace of a namespaced object: the watch's, else the document's own.</summary>
    private static string? NamespaceOf(KubeTarget target, JsonObject? metadata) =>
        !target.Namespaced ? null : target.Namespace ?? metadata?["namespace"]?.GetValue<string>() ?? "default";

    /// <summary>
    /// What a failure means for a write: a 409 is the precondition (the object moved on since it
    /// was read); an API server's other answers are failures naming the answer; anything else is a
    /// failure naming the error (for a Secret only its type: a message might quote a value).
    /// </summary>
    private static RevertResult Refused(string resource, string notDone, Exception e, bool secret)
    {
        if (e is HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict })
        {
            return MovedOn(resource, notDone);
        }

        var detail = e switch
        {
            HttpOperationException http => $"the API server answered {(int)http.Response.StatusCode} {StatusMessage(http.Response.Content) ?? http.Message}",
            HttpRequestException or KubernetesException or TaskCanceledException => $"the API server answered {e.Message}",
            _ when secret => $"unexpected {e.GetType().Name}",
            _ => $"unexpected {e.GetType().Name}: {e.Message}",
        };
        return new RevertResult(resource, RemediationOutcome.Failed, $"{notDone}: {detail}", []);
    }

    /// <summary>
    /// What differs between two versions of the object (null: absent), as the engine compares
    /// them: status and system metadata left out, paths in drift syntax, a Secret's values as
    /// their digests only.
    /// </summary>
    private List<FieldChange> Changes(JsonObject? before, JsonObject? after) =>
        [.. _engine.CompareVersions(ToNode(before), ToNode(after)).Select(c => new FieldChange(c.Path, c.Before?.ToJson(), c.After?.ToJson()))];

    private static MapNode? ToNode(JsonObject? obj) =>
        obj is null ? null
            : JsonReader.ReadValues(System.Text.Encoding.UTF8.GetBytes(obj.ToJsonString())) is [MapNode map] ? map
            : throw new InvalidDataException("a Kubernetes object that is not a JSON object");

    /// <summary>
    /// A JSON patch removing the fields at <paramref name="paths"/> (drift syntax, resolved to
    /// JSON pointers in <paramref name="obj"/>), guarded by a test of its <c>resourceVersion</c>;
    /// null and no changes when none is there.
    /// </summary>
    private static (V1Patch? Patch, List<FieldChange> Changes) Removal(JsonObject? obj, IReadOnlyList<string> paths)
    {
        var pointers = new List<(string Pointer, FieldChange Change)>();
        foreach (var path in paths)
        {
            if (obj is not null && Pointer(obj, path) is var (pointer, value))
            {
                pointers.Add((pointer, new FieldChange(path, value.ToJsonString(), null)));
            }
        }

        if (pointers.Count == 0)
        {
            return (null, []);
        }

        var ops = new JsonArray(new JsonObject { ["op"] = "test", ["path"] = "/metadata/resourceVersion", ["value"] = obj!["metadata"]?["resourceVersion"]?.DeepClone() });
        // Later list elements first, so that removing one does not move the next.
        foreach (var (pointer, _) in pointers.OrderByDescending(p => p.Pointer, StringComparer.Ordinal))
        {
            ops.Add(new JsonObject { ["op"] = "remove", ["path"] = pointer });
        }

        return (new V1Patch(ops.ToJsonString(), V1Patch.PatchType.JsonPatch), [.. pointers.Select(p => p.Change)]);
    }

    /// <summary>The JSON pointer of a drift path in an object (<c>[name=web]</c> resolved to its index), and the value there; null when it is not there.</summary>
    private static (string Pointer, JsonNode Value)? Pointer(JsonObject obj, string path)
    {
        var steps = PathStep.Parse(path, out _);
        if (steps is null || steps.Length == 0)
        {
            return null;
        }

        JsonNode? node = obj;
        var pointer = new System.Text.StringBuilder();
        foreach (var step in steps)
        {
            if (step.IsElement && node is JsonArray list)
            {
                var index = step.IsPosition ? (int.TryParse(step.Name, out var i) ? i : -1)
                    : list.Select((item, i) => (item, i)).FirstOrDefault(p => Picks(p.item, step), (null, -1)).Item2;
                if (index < 0 || index >= list.Count)
                {
                    return null;
                }

                pointer.Append('/').Append(index);
                node = list[index];
            }
            else if (!step.IsElement && node is JsonObject map && map[step.Name] is { } child)
            {
                pointer.Append('/').Append(PathStep.Escape(step.Name));
                node = child;
            }
            else
            {
                return null;
            }
        }

        return (pointer.ToString(), node!);
    }

    private static string Fields(int count) => count == 1 ? "1 field" : $"{count} fields";

    // Every kind goes through the CustomObjects calls: with the core group's empty name
    // KubernetesClient addresses /api/v1, so one path serves ConfigMaps, Secrets and CRDs alike.

    /// <summary>The object as the API server has it now, or null when it does not exist.</summary>
    private async Task<JsonObject?> GetAsync(KubeTarget target, string? ns, string name, CancellationToken ct)
    {
        try
        {
            return ToObject(target.Namespaced
                ? await client.CustomObjects.GetNamespacedCustomObjectAsync(target.Group, target.Version, ns, target.Plural, name, ct)
                : await client.CustomObjects.GetClusterCustomObjectAsync(target.Group, target.Version, target.Plural, name, ct));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>A create (<c>POST</c>) by <see cref="FieldManager"/>; null when an object of that name exists (409 AlreadyExists).</summary>
    private async Task<JsonObject?> PostAsync(KubeTarget target, string? ns, JsonObject body, bool dryRun, CancellationToken ct)
    {
        var dry = dryRun ? "All" : null;
        try
        {
            return ToObject(target.Namespaced
                ? await client.CustomObjects.CreateNamespacedCustomObjectAsync(body, target.Group, target.Version, ns, target.Plural, dry, FieldManager, cancellationToken: ct)
                : await client.CustomObjects.CreateClusterCustomObjectAsync(body, target.Group, target.Version, target.Plural, dry, FieldManager, cancellationToken: ct));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return null;
        }
    }

    private async Task DeleteObjectAsync(KubeTarget target, string? ns, string name, string? version, bool dryRun, CancellationToken ct)
    {
        var options = new V1DeleteOptions
        {
            Preconditions = version is null ? null : new V1Preconditions { ResourceVersion = version },
            DryRun = dryRun ? ["All"] : null,
        };
        var dry = dryRun ? "All" : null;
        _ = target.Namespaced
            ? await client.CustomObjects.DeleteNamespacedCustomObjectAsync(target.Group, target.Version, ns, target.Plural, name, options, dryRun: dry, cancellationToken: ct)
            : await client.CustomObjects.DeleteClusterCustomObjectAsync(target.Group, target.Version, target.Plural, name, options, dryRun: dry, cancellationToken: ct);
    }

    /// <summary>
    /// One server-side apply. A 409 that names conflicting managers comes back as conflicts; a 409
    /// without them (the precondition failed) and every other error are thrown.
    /// </summary>
    private Task<(JsonObject? Result, List<(string Manager, string Field)>? Conflicts)> ApplyAsync(
        KubeTarget target, string? ns, string name, JsonObject body, bool dryRun, bool force, CancellationToken ct) =>
        PatchAsync(target, ns, name, new V1Patch(body.ToJsonString(), V1Patch.PatchType.ApplyPatch), dryRun, force, ct);

    /// <summary>
    /// The removal's JSON patch; null when its test failed because the object moved on. The real
    /// server answers a failed test with a bare 422, as it answers a path that is not there: only
    /// the object's resourceVersion, read again, tells the two apart.
    /// </summary>
    private async Task<JsonObject?> RemoveAsync(KubeTarget target, string? ns, string name, V1Patch removal, string? tested, bool dryRun, CancellationToken ct)
    {
        try
        {
            return (await PatchAsync(target, ns, name, removal, dryRun, force: null, ct)).Result;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.UnprocessableEntity)
        {
            if ((await GetAsync(target, ns, name, ct))?["metadata"]?["resourceVersion"]?.GetValue<string>() != tested)
            {
                return null;
            }

            throw;
        }
    }

    private async Task<(JsonObject? Result, List<(string Manager, string Field)>? Conflicts)> PatchAsync(
        KubeTarget target, string? ns, string name, V1Patch patch, bool dryRun, bool? force, CancellationToken ct)
    {
        var dry = dryRun ? "All" : null;
        try
        {
            return (ToObject(target.Namespaced
                ? await client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, target.Group, target.Version, ns, target.Plural, name, dry, FieldManager, force: force, cancellationToken: ct)
                : await client.CustomObjects.PatchClusterCustomObjectAsync(patch, target.Group, target.Version, target.Plural, name, dry, FieldManager, force: force, cancellationToken: ct)), null);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && Conflicts(e.Response.Content) is { Count: > 0 } conflicts)
        {
            return (null, conflicts);
        }
    }

    private static JsonObject ToObject(object body) => JsonNode.Parse(((JsonElement)body).GetRawText())!.AsObject();

    /// <summary>The conflicting managers and fields of an apply's 409 (<c>details.causes</c>, reason FieldManagerConflict).</summary>
    private static List<(string Manager, string Field)>? Conflicts(string? status)
    {
        if (status is null)
        {
            return null;
        }

        try
        {
            var causes = JsonNode.Parse(status)?["details"]?["causes"] as JsonArray;
            return causes?.OfType<JsonObject>()
                .Where(c => c["reason"]?.GetValue<string>() == "FieldManagerConflict")
                .Select(c => (Manager(c["message"]?.GetValue<string>() ?? string.Empty), c["field"]?.GetValue<string>() ?? string.Empty))
                .ToList();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary><c>conflict with "kubectl-edit" using apps/v1</c>: the manager's name.</summary>
    private static string Manager(string message)
    {
        var start = message.IndexOf('"', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('"', start + 1);
        return end > start ? message[(start + 1)..end] : message;
    }

    private static string? StatusMessage(string? status)
    {
        try
        {
            return status is null ? null : JsonNode.Parse(status)?["message"]?.GetValue<string>();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// True when a conflicting field as the API server names it
    /// (<c>.spec.template.spec.containers[name="web"].image</c>, <c>.metadata.annotations.example.com/owner</c>)
    /// is a drifted path (<c>/spec/template/spec/containers[name=web]/image</c>,
    /// <c>/metadata/annotations/example.com~1owner</c>) or lies below or above one. The server does
    /// not escape its keys, which may hold dots and slashes: each is read against the keys
    /// <paramref name="obj"/> has at that place.
    /// </summary>
    internal static bool Covers(string driftPath, string conflictField, JsonNode? obj)
    {
        if (PathStep.Parse(driftPath, out _) is not { } steps)
        {
            return false;
        }

        var at = 0;
        var node = obj;
        foreach (var step in steps)
        {
            if (at == conflictField.Length)
            {
                // The conflicting field holds the drifted one (an atomic list or map).
                return true;
            }

            if (step.IsElement)
            {
                if (conflictField[at] != '[' || SelectorEnd(conflictField, at) is not { } end || !Selects(conflictField[(at + 1)..end], step))
                {
                    return false;
                }

                at = end + 1;
                node = node is JsonArray list ? Element(list, step) : null;
            }
            else
            {
                if (conflictField[at] != '.' || KeyAt(conflictField, at + 1, node as JsonObject, step.Name) != step.Name)
                {
                    return false;
                }

                at += 1 + step.Name.Length;
                node = node?[step.Name];
            }
        }

        return true;
    }

    /// <summary>
    /// The key a server's field name has at <paramref name="start"/>: the longest key of
    /// <paramref name="map"/> written there that ends the name or holds more below it; without the
    /// map, <paramref name="expected"/> when it is written there, else the text up to the next step.
    /// </summary>
    private static string KeyAt(string field, int start, JsonObject? map, string expected)
    {
        bool EndsAt(int end) => end == field.Length || field[end] is '.' or '[';
        bool WrittenAt(string key) => string.CompareOrdinal(field, start, key, 0, key.Length) == 0 && start + key.Length <= field.Length && EndsAt(start + key.Length);

        if (map is not null)
        {
            string? found = null;
            foreach (var (key, value) in map)
            {
                if (WrittenAt(key) && (start + key.Length == field.Length || value is JsonObject or JsonArray) && key.Length > (found?.Length ?? -1))
                {
                    found = key;
                }
            }

            if (found is not null)
            {
                return found;
            }
        }

        if (WrittenAt(expected))
        {
            return expected;
        }

        var next = field.AsSpan(start).IndexOfAny('.', '[');
        return next < 0 ? field[start..] : field.Substring(start, next);
    }

    /// <summary>The index of the <c>]</c> closing the selector at <paramref name="start"/> (its values are JSON: a string may hold one).</summary>
    private static int? SelectorEnd(string field, int start)
    {
        var quoted = false;
        for (var i = start + 1; i < field.Length; i++)
        {
            switch (field[i])
            {
                case '\\' when quoted:
                    i++;
                    break;
                case '"':
                    quoted = !quoted;
                    break;
                case ']' when !quoted:
                    return i;
            }
        }

        return null;
    }

    /// <summary>
    /// True when a server's selector (<c>name="web"</c>, <c>containerPort=80,protocol="TCP"</c>,
    /// <c>2</c>) picks the element a drift step names (<c>[name=web]</c>, <c>[containerPort=80]</c>,
    /// <c>[containerPort=53,protocol=UDP]</c>, <c>[2]</c>).
    /// </summary>
    private static bool Selects(string selector, PathStep step)
    {
        if (step.IsPosition)
        {
            return selector == step.Name;
        }

        string? keyText = null;
        string? protocol = null;
        foreach (var (key, value) in SelectorPairs(selector))
        {
            if (key == step.KeyField)
            {
                keyText = SelectorValue(value);
            }
            else if (key == "protocol")
            {
                protocol = SelectorValue(value);
            }
        }

        return step.Selects(keyText, protocol);
    }

    /// <summary>A selector's value as text: a JSON string unquoted, anything else as written.</summary>
    private static string SelectorValue(string value)
    {
        try
        {
            return JsonNode.Parse(value) is JsonValue v && v.TryGetValue<string>(out var text) ? text : value;
        }
        catch (JsonException)
        {
            return value;
        }
    }

    private static IEnumerable<(string Key, string Value)> SelectorPairs(string selector)
    {
        var quoted = false;
        var from = 0;
        for (var i = 0; i <= selector.Length; i++)
        {
            if (i < selector.Length && selector[i] == '\\' && quoted)
            {
                i++;
                continue;
            }

            if (i < selector.Length && selector[i] == '"')
            {
                quoted = !quoted;
            }
            else if (i == selector.Length || (selector[i] == ',' && !quoted))
            {
                var pair = selector[from..i];
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    yield return (pair[..eq], pair[(eq + 1)..]);
                }

                from = i + 1;
            }
        }
    }

    private static JsonNode? Element(JsonArray list, PathStep step) => step.IsPosition
        ? int.TryParse(step.Name, out var index) && index >= 0 && index < list.Count ? list[index] : null
        : list.FirstOrDefault(item => Picks(item, step));

    /// <summary>True when a list element is the one a drift step names (a port by number and protocol).</summary>
    private static bool Picks(JsonNode? item, PathStep step) => step.Selects(item?[step.KeyField!]?.ToString(), item?["protocol"]?.ToString());
}
