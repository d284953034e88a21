using System.Text;
using DriftFabric.Engine.Model;

namespace DriftFabric.Sources.Kustomize;

/// <summary>
/// The files a kustomization is rendered from, for a fingerprint that moves when any of them
/// changes without rendering at each poll. Every string of a kustomization that names a local
/// file (a resource, patch, generator input, <c>key=path</c> included) is stat-ed, and every
/// directory it names is followed (its own kustomization, or every file below it), wherever it
/// is: <c>../base</c> outside the directory too. Walking the kustomization's own strings, rather
/// than a list of its fields, keeps up with fields Kustomize adds; hashing the tree of a common
/// root instead would stat a whole checkout when an overlay names <c>../../base</c>. Remote
/// resources (URLs) are fingerprinted by their text only: a change behind a URL is learned at the
/// next render, not by polling.
/// </summary>
internal static class KustomizeInputs
{
    /// <summary>No kustomization is made of more files than this; past it the walk stops rather than stat a disk.</summary>
    private const int MaxFiles = 20_000;

    public static void AppendTo(StringBuilder fingerprint, string directory)
    {
        var walk = new Walk(fingerprint);
        walk.Directory(Path.GetFullPath(directory));
    }

    private sealed class Walk(StringBuilder fingerprint)
    {
        private readonly HashSet<string> _visited = new(StringComparer.Ordinal);
        private int _files;

        public void Directory(string directory)
        {
            if (!_visited.Add(directory) || _files > MaxFiles)
            {
                return;
            }

            if (Kustomization.FileIn(directory) is not { } file)
            {
                // A plain directory of resources: every file below it.
                foreach (var below in System.IO.Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden }))
                {
                    Stat(below);
                }

                return;
            }

            // Files beside the kustomization too: one added and then named is seen either way.
            foreach (var beside in System.IO.Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
            {
                Stat(beside);
            }

            if (Kustomization.Read(file) is { } document)
            {
                Strings(document, directory);
            }
        }

        private void Strings(Node node, string directory)
        {
            switch (node)
            {
                case MapNode map:
                    foreach (var (_, value) in map.Entries)
                    {
                        Strings(value, directory);
                    }

                    break;
                case ListNode list:
                    foreach (var item in list.Items)
                    {
                        Strings(item, directory);
                    }

                    break;
                case ScalarNode { Kind: NodeKind.String } scalar:
                    Named(scalar.Text, directory);
                    break;
            }
        }

        private void Named(string text, string directory)
        {
            if (text.Length is 0 or > 1024 || text.Contains('\n', StringComparison.Ordinal))
            {
                return;
            }

            if (text.Contains("://", StringComparison.Ordinal) || text.StartsWith("git@", StringComparison.Ordinal))
            {
                fingerprint.Append("remote|").Append(text).Append('\n');
                return;
            }

            // A generator's `key=path` names its file after the '='.
            var equals = text.IndexOf('=', StringComparison.Ordinal);
            foreach (var candidate in equals > 0 ? [text, text[(equals + 1)..]] : new[] { text })
            {
                string full;
                try
                {
                    full = Path.GetFullPath(Path.Combine(directory, candidate));
                }
                catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
                {
                    continue;
                }

                if (System.IO.Directory.Exists(full))
                {
                    Directory(full);
                }
                else if (File.Exists(full))
                {
                    Stat(full);
                }
                else
                {
                    // A resource not there yet (the render fails): its arrival must move the fingerprint.
                    fingerprint.Append("absent|").Append(full).Append('\n');
                }
            }
        }

        private void Stat(string file)
        {
            if (++_files > MaxFiles)
            {
                return;
            }

            var info = new FileInfo(file);
            fingerprint.Append(file).Append('|').Append(info.Exists ? info.Length : -1).Append('|').Append(info.Exists ? info.LastWriteTimeUtc.Ticks : 0).Append('\n');
        }
    }
}
