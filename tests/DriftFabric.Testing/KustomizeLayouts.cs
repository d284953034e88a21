using System.Diagnostics;

namespace DriftFabric.Testing;

/// <summary>
/// Online Boutique's real Kustomize layout (tests/TestData/kustomize, its source in the README
/// there), copied into a test's folder so that the test can add overlays beside it and edit it.
/// A test project that uses it copies <c>TestData/kustomize</c> to its output folder.
/// </summary>
public static class KustomizeLayouts
{
    /// <summary>The layout as published, in the test's output folder (read it, never edit it).</summary>
    public static string OnlineBoutique => Path.Combine(AppContext.BaseDirectory, "kustomize", "online-boutique");

    /// <summary>Copies the layout to <paramref name="relative"/> inside <paramref name="dir"/>; returns its full path.</summary>
    public static string CopyOnlineBoutique(TempDirectory dir, string relative = "online-boutique")
    {
        var target = dir.PathOf(relative);
        foreach (var file in Directory.EnumerateFiles(OnlineBoutique, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(OnlineBoutique, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        return target;
    }

    /// <summary>A kustomization turning on <paramref name="components"/> over <paramref name="resources"/>, with extra text (patches, images) after.</summary>
    public static string Overlay(IEnumerable<string> resources, IEnumerable<string> components, string extra = "") =>
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
        + string.Concat(resources.Select(r => $"- {r}\n"))
        + (components.Any() ? "components:\n" + string.Concat(components.Select(c => $"- {c}\n")) : string.Empty)
        + extra;

    /// <summary>What the real <c>kubectl kustomize</c> prints for <paramref name="directory"/>: a test's live state is that, edited.</summary>
    public static async Task<string> RenderAsync(string directory)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(directory);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();

        // Only a hung kubectl ever meets this limit; it fails the test rather than timing it.
        using var hung = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(hung.Token);
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"kubectl kustomize {directory} failed ({process.ExitCode}): {(await error).Trim()}");
    }
}
