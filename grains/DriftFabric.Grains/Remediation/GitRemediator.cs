using DriftFabric.Abstractions;
using DriftFabric.Engine.Manifests;

namespace DriftFabric.Grains.Remediation;

/// <summary>
/// The remediator of the code (the only one of an adoption): live written back into the files
/// that declare it, on a git branch for review. It takes the whole set at once, so that one
/// branch holds it, and says why it leaves a resource for a person (a proxy, a Secret, a whole
/// object).
/// </summary>
internal sealed class GitRemediator(TimeProvider time) : IRemediator
{
    public bool ActsOnTheSet => true;

    public bool CanActOn(ResourceState input, RemediationScope scope) => scope.Request.Action == RemediationRequest.Adopt;

    /// <summary>
    /// Writes the live values of the drifted fields into the files of the repo that declare them
    /// (<see cref="Engine.Adoption.YamlEditor"/>), and makes a patch and, in a git checkout, a commit on a new
    /// branch for review; the working tree is not touched.
    /// </summary>
    public async Task<Remediated> RemediateAsync(IReadOnlyList<ResourceState> inputs, RemediationScope scope)
    {
        var (request, now) = (scope.Request, time.GetUtcNow());
        var results = new List<RemediationResult>();
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var adopted = new List<(ResourceState Input, List<FieldChange> Changes, List<Engine.Adoption.EditRefusal> Refused)>();
        foreach (var input in inputs)
        {
            RemediationResult Skip(string message) => new(input.Resource, RemediationOutcome.Skipped, message, []);
            if (!ResourceKey.TryParse(input.Resource, out var key) || key.IsProxy)
            {
                results.Add(Skip("a proxy's config is adopted by hand: its file is JSON or haproxy.cfg"));
            }
            else if (key.IsSecret)
            {
                results.Add(Skip("a Secret's values are never written into the code: DriftFabric holds only their digests"));
            }
            else if (input.DesiredFile is not { } file || input.Drifts.Any(d => d.Path.Length == 0))
            {
                results.Add(Skip("a whole object missing from the code or from the cluster is added or removed by hand"));
            }
            else
            {
                // Bytes, not text: a byte order mark and every line ending stay as they are.
                var bytes = files.TryGetValue(file, out var edited) ? edited : await File.ReadAllBytesAsync(file);
                var edits = input.Drifts.Select(d => new Engine.Adoption.FieldEdit(d.Path, d.Live, d.Desired)).ToList();
                var (next, refused) = Engine.Adoption.YamlEditor.Apply(bytes, key, edits);
                files[file] = next;
                var changes = input.Drifts.Where(d => !refused.Exists(r => r.Path == d.Path)).Select(d => new FieldChange(d.Path, d.Desired, d.Live)).ToList();
                adopted.Add((input, changes, refused));
            }
        }

        string? patch = null;
        string? branch = null;
        string? failure = null;
        var changed = files.Where(f => adopted.Exists(a => a.Changes.Count > 0 && a.Input.DesiredFile == f.Key)).Select(f => (f.Key, f.Value)).ToList();
        if (changed.Count > 0)
        {
            var fields = adopted.SelectMany(a => a.Changes.Select(c => $"{a.Input.Resource} {c.Path}")).ToList();
            var message = $"Adopt live changes of {request.Service.Key} into the code\n\nWritten by DriftFabric ({request.Actor}) from the cluster's live state:\n{string.Join('\n', fields.Select(f => "- " + f))}\n";
            try
            {
                (patch, branch) = await GitAdopter.CommitAsync(changed, $"driftfabric/adopt/{request.Service.Tenant}-{request.Service.Cluster}-{request.Service.Name}-{now:yyyyMMdd-HHmmss}", message, request.DryRun);
            }
            catch (Exception e) when (e is AdoptionException or IOException or UnauthorizedAccessException)
            {
                failure = e.Message;
            }
        }

        foreach (var (input, changes, refused) in adopted)
        {
            var left = refused.Count == 0 ? string.Empty : $"; left for a person: {string.Join("; ", refused.Select(r => $"{r.Path}: {r.Reason}"))}";
            var result = failure is not null ? new RemediationResult(input.Resource, RemediationOutcome.Failed, "not adopted: " + failure, [])
                : changes.Count == 0 ? new RemediationResult(input.Resource, RemediationOutcome.Skipped, "not adopted" + left, [])
                : request.DryRun ? new RemediationResult(input.Resource, RemediationOutcome.WouldChange, $"would write {changes.Count} field(s) into {input.DesiredFile}{left}", changes)
                : new RemediationResult(input.Resource, RemediationOutcome.Adopted, branch is null
                    ? $"wrote a patch for {input.DesiredFile} (not a git checkout: apply it by hand){left}"
                    : $"committed on branch {branch} for review{left}", changes);
            results.Add(result);
        }

        return new Remediated(results) { Patch = patch, Branch = branch };
    }
}
