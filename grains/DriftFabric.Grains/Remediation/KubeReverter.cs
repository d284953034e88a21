using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DriftFabric.Abstractions;
using DriftFabric.Grains.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace DriftFabric.Grains.Remediation;

public enum RevertOutcome
{
    /// <summary>Dry run: what the revert would change (nothing was written).</summary>
    WouldChange,

    /// <summary>Applied: live matches the code again in the drifted fields.</summary>
    Reverted,

    /// <summary>The server says nothing would change.</summary>
    InSync,

    /// <summary>The object changed after the drift was detected: nothing written, the drift is judged again first.</summary>
    ChangedSinceDetection,

    /// <summary>Another manager owns fields that are not among the drifted ones and differ from the code: nothing written.</summary>
    Contested,

    /// <summary>Not reverted on purpose (a Secret, whose values DriftFabric never holds; an unmanaged object not asked to be deleted).</summary>
    Skipped,

    /// <summary>The API server refused or could not be reached.</summary>
    Failed,
}

public sealed record RevertResult(string Resource, RevertOutcome Outcome, string Message, IReadOnlyList<FieldChange> Changes);

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
/// that drifted; a conflict on any other field leaves the object alone (<see cref="RevertOutcome.Contested"/>);</item>
/// <item>what the dry run's result changes against live is the preview; without <c>dryRun</c> the
/// same request is then sent for real.</item>
/// </list>
/// Secrets are skipped: DriftFabric holds only digests of their values and would write those.
/// </summary>
public sealed class KubeReverter(IKubernetes client)
{
    public const string FieldManager = "driftfabric";

    private static readonly string[] Bookkeeping = ["resourceVersion", "generation", "managedFields", "uid", "creationTimestamp", "selfLink"];

    public async Task<RevertResult> RevertAsync(KubeTarget target, RevertRequest request, bool dryRun, CancellationToken ct = default)
    {
        if (target.Group.Length == 0 && target.Kind == "Secret")
        {
            return new RevertResult(request.Resource, RevertOutcome.Skipped, "Secrets are not reverted: DriftFabric keeps only digests of their values; re-run the pipeline that owns it", []);
        }

        var body = JsonNode.Parse(request.DesiredJson)!.AsObject();
        var detected = request.LiveJson is null ? null : JsonNode.Parse(request.LiveJson)!.AsObject();
        var metadata = (body["metadata"] ??= new JsonObject()).AsObject();
        var name = metadata["name"]?.GetValue<string>() ?? throw new ArgumentException($"{request.Resource}: the desired document has no name", nameof(request));
        try
        {
            // Changed since detection? Status and bookkeeping do not count (a controller updates
            // status, and with it resourceVersion, all the time); anything else does.
            var live = await GetAsync(target, name, ct);
            var since = detected is null ? (live is null ? [] : Diff(null, live)) : live is null ? Diff(detected, new JsonObject()) : Diff(detected, live);
            if (since.Count > 0)
            {
                return new RevertResult(request.Resource, RevertOutcome.ChangedSinceDetection,
                    $"not reverted: the object changed after the drift was detected ({string.Join(", ", since.Select(c => c.Path).Take(5))}); it is judged again first", since);
            }

            // The object as it is now is the precondition: a change between here and the write is a 409.
            if (live?["metadata"]?["resourceVersion"]?.GetValue<string>() is { } version)
            {
                metadata["resourceVersion"] = version;
            }

            var (preview, conflicts) = await ApplyAsync(target, name, body, dryRun: true, force: false, ct);
            var force = false;
            if (conflicts is not null)
            {
                var foreign = conflicts.Where(c => !request.DriftedPaths.Any(p => Covers(p, c.Field))).ToList();
                if (foreign.Count > 0)
                {
                    return new RevertResult(request.Resource, RevertOutcome.Contested,
                        $"not reverted: {string.Join("; ", foreign.Select(c => $"{c.Field} is owned by {c.Manager} and is not a drifted field"))}", []);
                }

                force = true;
                (preview, _) = await ApplyAsync(target, name, body, dryRun: true, force: true, ct);
            }

            var changes = Diff(live, preview!);
            var (removal, removed) = Removal(live, request.AddedPaths);
            if (changes.Count == 0 && removed.Count == 0)
            {
                return new RevertResult(request.Resource, RevertOutcome.InSync, "nothing to change: live already matches the code", []);
            }

            if (removed.Count > 0)
            {
                // The fields added outside the code, removed from the object as it is (a dry run too).
                await PatchAsync(target, name, removal!, dryRun: true, force: null, ct);
            }

            if (dryRun)
            {
                return new RevertResult(request.Resource, RevertOutcome.WouldChange,
                    $"would change {Fields(changes.Count + removed.Count)}{(force ? ", taking them from their out-of-band managers" : string.Empty)}", [.. changes, .. removed]);
            }

            var applied = live;
            if (changes.Count > 0)
            {
                (applied, _) = await ApplyAsync(target, name, body, dryRun: false, force, ct);
            }

            if (removed.Count > 0)
            {
                var (afterApply, _) = Removal(applied, request.AddedPaths);
                (applied, _) = await PatchAsync(target, name, afterApply!, dryRun: false, force: null, ct);
            }

            return new RevertResult(request.Resource, RevertOutcome.Reverted, $"reverted {Fields(changes.Count + removed.Count)} as {FieldManager}", Diff(live, applied!));
        }
        catch (Exception e) when (IsApiFailure(e))
        {
            return Refused(request.Resource, "not reverted", e);
        }
    }

    /// <summary>
    /// Deletes an object the code does not declare (only ever when asked explicitly): read again
    /// first, left alone when it changed since detection, deleted with its current
    /// <c>resourceVersion</c> as a precondition, after a server-side dry run.
    /// </summary>
    public async Task<RevertResult> DeleteAsync(KubeTarget target, string resource, string detectedJson, bool dryRun, CancellationToken ct = default)
    {
        var detected = JsonNode.Parse(detectedJson)!.AsObject();
        var name = detected["metadata"]?["name"]?.GetValue<string>() ?? throw new ArgumentException($"{resource}: the live object has no name", nameof(detectedJson));
        try
        {
            var live = await GetAsync(target, name, ct);
            if (live is null)
            {
                return new RevertResult(resource, RevertOutcome.InSync, "nothing to delete: the object is gone already", []);
            }

            // A Secret's values are held only as digests: its data is not compared, the rest is.
            var since = target.Kind == "Secret" && target.Group.Length == 0 ? Diff(WithoutData(detected), WithoutData(live)) : Diff(detected, live);
            if (since.Count > 0)
            {
                return new RevertResult(resource, RevertOutcome.ChangedSinceDetection,
                    $"not deleted: the object changed after the drift was detected ({string.Join(", ", since.Select(c => c.Path).Take(5))})", since);
            }

            var version = live["metadata"]?["resourceVersion"]?.GetValue<string>();
            var gone = new List<FieldChange> { new(string.Empty, "(in the cluster)", null) };
            await DeleteObjectAsync(target, name, version, dryRun: true, ct);
            if (dryRun)
            {
                return new RevertResult(resource, RevertOutcome.WouldChange, "would delete it: it is not declared in the code", gone);
            }

            await DeleteObjectAsync(target, name, version, dryRun: false, ct);
            return new RevertResult(resource, RevertOutcome.Reverted, "deleted: it is not declared in the code", gone);
        }
        catch (Exception e) when (IsApiFailure(e))
        {
            return Refused(resource, "not deleted", e);
        }
    }

    private static bool IsApiFailure(Exception e) => e is HttpOperationException or HttpRequestException or KubernetesException or TaskCanceledException;

    /// <summary>
    /// What an API server's refusal means for a write: a 409 is the precondition (the object moved
    /// on since it was read), anything else a failure with the server's answer.
    /// </summary>
    private static RevertResult Refused(string resource, string notDone, Exception e)
    {
        if (e is HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict })
        {
            return new RevertResult(resource, RevertOutcome.ChangedSinceDetection, $"{notDone}: the object changed after the drift was detected (its resourceVersion moved on); it is judged again first", []);
        }

        var detail = e is HttpOperationException http ? $"{(int)http.Response.StatusCode} {StatusMessage(http.Response.Content) ?? http.Message}" : e.Message;
        return new RevertResult(resource, RevertOutcome.Failed, $"{notDone}: the API server answered {detail}", []);
    }

    private static JsonObject WithoutData(JsonObject secret)
    {
        var copy = JsonNode.Parse(secret.ToJsonString())!.AsObject();
        copy.Remove("data");
        copy.Remove("stringData");
        return copy;
    }

    private async Task DeleteObjectAsync(KubeTarget target, string name, string? version, bool dryRun, CancellationToken ct)
    {
        var options = new V1DeleteOptions
        {
            Preconditions = version is null ? null : new V1Preconditions { ResourceVersion = version },
            DryRun = dryRun ? ["All"] : null,
        };
        var dry = dryRun ? "All" : null;
        if (target.Group.Length > 0)
        {
            _ = target.Namespaced
                ? await client.CustomObjects.DeleteNamespacedCustomObjectAsync(target.Group, target.Version, target.Namespace, target.Plural, name, options, dryRun: dry, cancellationToken: ct)
                : await client.CustomObjects.DeleteClusterCustomObjectAsync(target.Group, target.Version, target.Plural, name, options, dryRun: dry, cancellationToken: ct);
            return;
        }

        var ns = target.Namespace ?? string.Empty;
        _ = target.Plural switch
        {
            "configmaps" => (object)await client.CoreV1.DeleteNamespacedConfigMapAsync(name, ns, options, dryRun: dry, cancellationToken: ct),
            "services" => await client.CoreV1.DeleteNamespacedServiceAsync(name, ns, options, dryRun: dry, cancellationToken: ct),
            "serviceaccounts" => await client.CoreV1.DeleteNamespacedServiceAccountAsync(name, ns, options, dryRun: dry, cancellationToken: ct),
            "persistentvolumeclaims" => await client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync(name, ns, options, dryRun: dry, cancellationToken: ct),
            "pods" => await client.CoreV1.DeleteNamespacedPodAsync(name, ns, options, dryRun: dry, cancellationToken: ct),
            "secrets" => await client.CoreV1.DeleteNamespacedSecretAsync(name, ns, options, dryRun: dry, cancellationToken: ct),
            _ => throw new NotSupportedException($"core resource '{target.Plural}' is not deleted by DriftFabric"),
        };
    }

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
        var steps = Engine.Paths.PathStep.Parse(path, out _);
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
                    : list.Select((item, i) => (item, i)).FirstOrDefault(p => p.item?[step.KeyField!]?.ToString() == step.Name, (null, -1)).Item2;
                if (index < 0 || index >= list.Count)
                {
                    return null;
                }

                pointer.Append('/').Append(index);
                node = list[index];
            }
            else if (!step.IsElement && node is JsonObject map && map[step.Name] is { } child)
            {
                pointer.Append('/').Append(step.Name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal));
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

    /// <summary>The object as the API server has it now, or null when it does not exist.</summary>
    private async Task<JsonObject?> GetAsync(KubeTarget target, string name, CancellationToken ct)
    {
        try
        {
            if (target.Group.Length > 0)
            {
                var found = (JsonElement)(target.Namespaced
                    ? await client.CustomObjects.GetNamespacedCustomObjectAsync(target.Group, target.Version, target.Namespace, target.Plural, name, ct)
                    : await client.CustomObjects.GetClusterCustomObjectAsync(target.Group, target.Version, target.Plural, name, ct));
                return JsonNode.Parse(found.GetRawText())!.AsObject();
            }

            var ns = target.Namespace ?? string.Empty;
            object typed = target.Plural switch
            {
                "configmaps" => await client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: ct),
                "services" => await client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: ct),
                "serviceaccounts" => await client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns, cancellationToken: ct),
                "persistentvolumeclaims" => await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(name, ns, cancellationToken: ct),
                "pods" => await client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: ct),
                "namespaces" => await client.CoreV1.ReadNamespaceAsync(name, cancellationToken: ct),
                _ => throw new NotSupportedException($"core resource '{target.Plural}' is not reverted by DriftFabric"),
            };
            return JsonNode.Parse(KubernetesJson.Serialize(typed))!.AsObject();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// One server-side apply. A 409 that names conflicting managers comes back as conflicts; a 409
    /// without them (the precondition failed) and every other error are thrown.
    /// </summary>
    private Task<(JsonObject? Result, List<(string Manager, string Field)>? Conflicts)> ApplyAsync(
        KubeTarget target, string name, JsonObject body, bool dryRun, bool force, CancellationToken ct) =>
        PatchAsync(target, name, new V1Patch(body.ToJsonString(), V1Patch.PatchType.ApplyPatch), dryRun, force, ct);

    private async Task<(JsonObject? Result, List<(string Manager, string Field)>? Conflicts)> PatchAsync(
        KubeTarget target, string name, V1Patch patch, bool dryRun, bool? force, CancellationToken ct)
    {
        var dry = dryRun ? "All" : null;
        try
        {
            if (target.Group.Length > 0)
            {
                var result = (JsonElement)(target.Namespaced
                    ? await client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, target.Group, target.Version, target.Namespace, target.Plural, name, dry, FieldManager, force: force, cancellationToken: ct)
                    : await client.CustomObjects.PatchClusterCustomObjectAsync(patch, target.Group, target.Version, target.Plural, name, dry, FieldManager, force: force, cancellationToken: ct));
                return (JsonNode.Parse(result.GetRawText())!.AsObject(), null);
            }

            var ns = target.Namespace ?? string.Empty;
            object typed = target.Plural switch
            {
                "configmaps" => await client.CoreV1.PatchNamespacedConfigMapAsync(patch, name, ns, dry, FieldManager, force: force, cancellationToken: ct),
                "services" => await client.CoreV1.PatchNamespacedServiceAsync(patch, name, ns, dry, FieldManager, force: force, cancellationToken: ct),
                "serviceaccounts" => await client.CoreV1.PatchNamespacedServiceAccountAsync(patch, name, ns, dry, FieldManager, force: force, cancellationToken: ct),
                "persistentvolumeclaims" => await client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(patch, name, ns, dry, FieldManager, force: force, cancellationToken: ct),
                "pods" => await client.CoreV1.PatchNamespacedPodAsync(patch, name, ns, dry, FieldManager, force: force, cancellationToken: ct),
                "namespaces" => await client.CoreV1.PatchNamespaceAsync(patch, name, dry, FieldManager, force: force, cancellationToken: ct),
                _ => throw new NotSupportedException($"core resource '{target.Plural}' is not reverted by DriftFabric"),
            };
            return (JsonNode.Parse(KubernetesJson.Serialize(typed))!.AsObject(), null);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && Conflicts(e.Response.Content) is { Count: > 0 } conflicts)
        {
            return (null, conflicts);
        }
    }

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
    /// True when a conflicting field (<c>.spec.template.spec.containers[name="web"].image</c>) is a
    /// drifted path (<c>/spec/template/spec/containers[name=web]/image</c>) or lies below or above one.
    /// </summary>
    public static bool Covers(string driftPath, string conflictField)
    {
        var drift = Normalize(driftPath.Replace('/', '.'));
        var field = Normalize(conflictField);
        return drift == field || field.StartsWith(drift + ".", StringComparison.Ordinal) || field.StartsWith(drift + "[", StringComparison.Ordinal)
            || drift.StartsWith(field + ".", StringComparison.Ordinal) || drift.StartsWith(field + "[", StringComparison.Ordinal);
    }

    private static string Normalize(string path) => path.Replace("\"", string.Empty, StringComparison.Ordinal).Replace(",protocol=TCP", string.Empty, StringComparison.Ordinal);

    /// <summary>What differs between live and the applied result, leaf by leaf (bookkeeping and status left out).</summary>
    public static List<FieldChange> Diff(JsonObject? before, JsonObject after)
    {
        var changes = new List<FieldChange>();
        Diff(Comparable(before), Comparable(after), string.Empty, changes);
        return changes;
    }

    private static JsonObject? Comparable(JsonObject? obj)
    {
        if (obj is null)
        {
            return null;
        }

        var copy = JsonNode.Parse(obj.ToJsonString())!.AsObject();
        copy.Remove("status");
        if (copy["metadata"] is JsonObject metadata)
        {
            foreach (var key in Bookkeeping)
            {
                metadata.Remove(key);
            }
        }

        return copy;
    }

    private static void Diff(JsonNode? before, JsonNode? after, string path, List<FieldChange> changes)
    {
        if (before is JsonObject b && after is JsonObject a)
        {
            foreach (var key in b.Select(kv => kv.Key).Union(a.Select(kv => kv.Key)).Order(StringComparer.Ordinal))
            {
                Diff(b[key], a[key], path + "/" + key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal), changes);
            }
        }
        else if (before is JsonArray bl && after is JsonArray al && bl.Count == al.Count && bl.All(i => i is JsonObject { } o && o["name"] is not null))
        {
            for (var i = 0; i < bl.Count; i++)
            {
                Diff(bl[i], al[i], $"{path}[name={bl[i]!["name"]}]", changes);
            }
        }
        else if (!JsonNode.DeepEquals(before, after))
        {
            changes.Add(new FieldChange(path, before?.ToJsonString(), after?.ToJsonString()));
        }
    }
}
