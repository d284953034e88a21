using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Sources.Kustomize;

/// <summary>
/// What a directory is to Kustomize: a kustomization (rendered), a component (only meaningful
/// inside one), or plain manifests; and, for a directory tree, which directories are rendered.
/// </summary>
public static class Kustomization
{
    /// <summary>The names <c>kubectl kustomize</c> accepts for a directory's kustomization, in the order it looks for them.</summary>
    public static readonly IReadOnlyList<string> FileNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

    /// <summary>The kustomization file of <paramref name="directory"/>, or null when it holds none.</summary>
    public static string? FileIn(string directory)
    {
        foreach (var name in FileNames)
        {
            var file = Path.Combine(directory, name);
            if (File.Exists(file))
            {
                return file;
            }
        }

        return null;
    }

    /// <summary>True for a file <c>kubectl kustomize</c> would take as a directory's kustomization.</summary>
    public static bool IsKustomizationFile(string file) => FileNames.Contains(Path.GetFileName(file), StringComparer.Ordinal);

    /// <summary>The kustomization document, or null when it cannot be parsed (the render then says why).</summary>
    internal static MapNode? Read(string file)
    {
        try
        {
            return YamlReader.ReadSingle(File.ReadAllText(file), KustomizationLimits) as MapNode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ParseException)
        {
            return null;
        }
    }

    /// <summary>A component is rendered only by the kustomization that turns it on; alone it fails.</summary>
    internal static bool IsComponent(string file) => Read(file)?.GetString("kind") == "Component";

    /// <summary>
    /// How a directory tree is read: each topmost directory holding a kustomization is rendered
    /// whole (what it does not use is not declared), components left to the kustomizations that
    /// turn them on; every manifest file outside them is read as plain YAML/JSON.
    /// </summary>
    public static TreePlan Plan(string directory)
    {
        if (FileIn(directory) is not null)
        {
            return new TreePlan([directory], []);
        }

        var rendered = new List<string>();
        var plain = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var topmost = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var file in ManifestLoader.EnumerateFiles(directory))
        {
            var root = TopmostKustomization(directory, Path.GetDirectoryName(file)!, topmost);
            if (root is null)
            {
                plain.Add(file);
            }
            else if (seen.Add(root) && !IsComponent(FileIn(root)!))
            {
                rendered.Add(root);
            }
        }

        return new TreePlan(rendered, plain);
    }

    /// <summary>The highest directory from <paramref name="top"/> down to <paramref name="directory"/> holding a kustomization, or null.</summary>
    private static string? TopmostKustomization(string top, string directory, Dictionary<string, string?> known)
    {
        if (known.TryGetValue(directory, out var found))
        {
            return found;
        }

        var parent = directory.Length > top.Length ? Path.GetDirectoryName(directory) : null;
        var above = parent is null ? null : TopmostKustomization(top, parent, known);
        found = above ?? (FileIn(directory) is not null ? directory : null);
        known[directory] = found;
        return found;
    }

    // A kustomization is a page of YAML; one that is not is read no further.
    private static readonly ParseLimits KustomizationLimits = ParseLimits.Default with { MaxYamlFileBytes = 1 << 20, MaxYamlDocumentBytes = 1 << 20, MaxNodes = 100_000 };
}

/// <summary>What a directory tree holds: the kustomization directories rendered, and the plain manifest files read as they are.</summary>
public sealed record TreePlan(IReadOnlyList<string> Rendered, IReadOnlyList<string> Plain);
