using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Sources.Kustomize;

/// <summary>
/// Renders a kustomization with <c>kubectl kustomize</c> as a child process (bounded in time and
/// output) and reads what it prints as manifests. Each object is named by the file Kustomize
/// says it came from (its origin annotation, asked for through a kustomization of our own in a
/// temporary folder that names the user's as its one resource, so no user file is edited), or
/// by the kustomization's directory; never by a line of the rendered output, which no reader
/// can open.
/// </summary>
public sealed class KustomizeRenderer(KustomizeOptions options, TimeProvider time)
{
    public static readonly KustomizeRenderer Default = new(KustomizeOptions.Default, TimeProvider.System);

    private const string OriginAnnotation = "config.kubernetes.io/origin";

    /// <summary>Stderr kept for an error: kubectl's message is its first lines, not megabytes.</summary>
    private const int MaxErrorChars = 16 << 10;

    /// <summary>Adds the rendered objects of the kustomization in <paramref name="directory"/> to <paramref name="set"/>, or one error naming the directory.</summary>
    public void RenderInto(string directory, ManifestSet set, ParseLimits limits)
    {
        var full = Path.GetFullPath(directory);
        var ownFile = Kustomization.FileIn(full);

        DirectoryInfo? wrapper = null;
        try
        {
            // A kustomization that asks for origins itself is rendered as it is: its annotations
            // are part of what it declares.
            var askOrigins = ownFile is null || !File.ReadAllText(ownFile).Contains("originAnnotations", StringComparison.Ordinal);
            var target = full;
            var relative = full;
            if (askOrigins)
            {
                wrapper = Directory.CreateTempSubdirectory("driftfabric-kustomize-");
                relative = Path.GetRelativePath(wrapper.FullName, full);
                File.WriteAllText(
                    Path.Combine(wrapper.FullName, "kustomization.yaml"),
                    $"resources:\n- {JsonSerializer.Serialize(relative)}\nbuildMetadata: [originAnnotations]\n");
                target = wrapper.FullName;
            }

            var (output, length, error) = Run(target);
            if (error is not null && wrapper is not null && error.Contains("buildMetadata", StringComparison.Ordinal))
            {
                // A kubectl whose Kustomize predates origin annotations (before v4.5.3, kubectl 1.24):
                // rendered as it is, each object named by the kustomization's directory.
                (output, length, error) = Run(full);
                relative = full;
                wrapper.Delete(recursive: true);
                wrapper = null;
            }

            if (error is not null)
            {
                set.Errors.Add(new ManifestError(directory, 0, WithoutWrapper(error, full).Replace(relative, directory, StringComparison.Ordinal)));
                return;
            }

            try
            {
                Read(directory, output.AsMemory(0, length), wrapper?.FullName, set, limits);
            }
            finally
            {
                // The output may hold Secret values.
                Array.Clear(output, 0, length);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            set.Errors.Add(new ManifestError(directory, 0, "cannot render the kustomization: " + e.Message));
        }
        finally
        {
            try
            {
                wrapper?.Delete(recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A temporary folder of a few bytes; the system's temp cleaner takes it.
            }
        }
    }

    private static void Read(string directory, ReadOnlyMemory<byte> output, string? wrapper, ManifestSet set, ParseLimits limits)
    {
        using var rendered = new ManifestSet();
        ManifestLoader.LoadBytesInto(directory + " (rendered)", output, rendered, limits);
        foreach (var error in rendered.Errors)
        {
            set.Errors.Add(new ManifestError(directory, 0, $"kubectl kustomize printed what cannot be read (line {error.Line} of its output): {error.Message}"));
        }

        foreach (var manifest in rendered.Manifests)
        {
            var root = manifest.Root;
            var source = directory;
            if (wrapper is not null && TakeOrigin(ref root) is { } origin)
            {
                source = OriginFile(origin, wrapper, directory) ?? directory;
            }

            set.Manifests.Add(new Manifest((MapNode)Unlined(root), new SourceLocation(source, 0)));
        }
    }

    /// <summary>Removes the origin annotation we asked for (it is not part of the code) and returns its text.</summary>
    private static string? TakeOrigin(ref MapNode root)
    {
        if (root.GetMap("metadata") is not { } metadata || metadata.GetMap("annotations") is not { } annotations || annotations.GetString(OriginAnnotation) is not { } origin)
        {
            return null;
        }

        var rest = annotations.Without(OriginAnnotation);
        root = root.With("metadata", rest.Count == 0 ? metadata.Without("annotations") : metadata.With("annotations", rest));
        return origin;
    }

    /// <summary>The file an object came from (<c>path</c>), or the kustomization that generated it (<c>configuredIn</c>), as the user named the directory; the repository for a remote one.</summary>
    private static string? OriginFile(string origin, string wrapper, string directory)
    {
        MapNode? fields;
        try
        {
            fields = YamlReader.ReadSingle(origin) as MapNode;
        }
        catch (ParseException)
        {
            return null;
        }

        if (fields?.GetString("repo") is { } repo)
        {
            return fields.GetString("path") is { } remotePath ? $"{repo}//{remotePath}" : repo;
        }

        if ((fields?.GetString("path") ?? fields?.GetString("configuredIn")) is not { } path)
        {
            return null;
        }

        var full = Path.GetFullPath(Path.Combine(wrapper, path));
        if (Path.IsPathRooted(directory))
        {
            return full;
        }

        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), full);
        return relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    /// <summary>The tree without lines: they were lines of the rendered output, which points nowhere a reader can go.</summary>
    private static Node Unlined(Node node) => node switch
    {
        MapNode map => new MapNode([.. map.Entries.Select(e => e.Key)], [.. map.Entries.Select(e => Unlined(e.Value))], 0),
        ListNode list => new ListNode([.. list.Items.Select(Unlined)], 0),
        ScalarNode scalar => scalar.AtLine(0),
        _ => node,
    };

    /// <summary>Runs <c>kubectl kustomize</c>: its output, or why there is none.</summary>
    private (byte[] Output, int Length, string? Error) Run(string target)
    {
        var start = new ProcessStartInfo(options.Kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(target);

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return ([], 0, $"cannot run '{options.Kubectl}' to render the kustomization ({e.Message}): install kubectl, which renders Kustomize itself");
        }

        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, line) =>
        {
            lock (stderr)
            {
                if (line.Data is not null && stderr.Length < MaxErrorChars)
                {
                    stderr.AppendLine(line.Data);
                }
            }
        };
        process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(options.Timeout, time);
        using var killOnTimeout = timeout.Token.Register(() => Kill(process));
        var output = new MemoryStream();
        var chunk = new byte[64 << 10];
        var stream = process.StandardOutput.BaseStream;
        var over = false;
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (output.Length + read > options.MaxOutputBytes)
            {
                over = true;
                Kill(process);
                break;
            }

            output.Write(chunk, 0, read);
        }

        process.WaitForExit();
        Array.Clear(chunk);
        var buffer = output.GetBuffer();
        var length = (int)output.Length;
        if (over || timeout.IsCancellationRequested || process.ExitCode != 0)
        {
            Array.Clear(buffer, 0, length);
            string problem;
            if (over)
            {
                problem = $"kubectl kustomize printed more than the {options.MaxOutputBytes / (double)(1 << 20):0.#} MiB limit of a rendered kustomization; stopped";
            }
            else if (timeout.IsCancellationRequested)
            {
                problem = $"kubectl kustomize took longer than {options.Timeout.TotalSeconds:0.#} s; stopped";
            }
            else
            {
                lock (stderr)
                {
                    problem = "kubectl kustomize failed: " + ErrorOf(stderr.ToString(), process.ExitCode);
                }
            }

            return ([], 0, problem);
        }

        return (buffer, length, null);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>The message as the user's kustomization gave it, without the layer our own kustomization wrapped it in.</summary>
    private static string WithoutWrapper(string error, string full)
    {
        var marker = $"recursed accumulation of path '{full}': ";
        var at = error.IndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? error : "kubectl kustomize failed: " + error[(at + marker.Length)..];
    }

    /// <summary>kubectl's own message: the <c>err="…"</c> of its structured log line, or its <c>error:</c> line, else what it printed.</summary>
    internal static string ErrorOf(string stderr, int exitCode)
    {
        var at = stderr.IndexOf("err=\"", StringComparison.Ordinal);
        if (at >= 0)
        {
            var end = stderr.LastIndexOf('"');
            if (end > at + 5)
            {
                return stderr[(at + 5)..end].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            }
        }

        var text = stderr.Trim();
        if (text.StartsWith("error: ", StringComparison.Ordinal))
        {
            text = text["error: ".Length..];
        }

        return text.Length > 0 ? text : $"exit status {exitCode}, nothing on stderr";
    }
}
