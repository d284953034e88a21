using System.Diagnostics;
using System.Text;

namespace DriftFabric.Grains.Remediation;

/// <summary>An adoption that cannot be committed (not the file HEAD has, git failing); the message says why.</summary>
public sealed class AdoptionException(string message) : Exception(message);

/// <summary>
/// Turns edited files of the IaC repo into something a person reviews: a unified diff, and, in a
/// git checkout, a commit on a new branch based on HEAD. The commit is made with git's plumbing
/// in a private index: the working tree and the checked-out branch are not touched, so what the
/// fabric reads as the code stays the code until the branch is reviewed and merged.
/// </summary>
public static class GitAdopter
{
    private static readonly Dictionary<string, string> Identity = new()
    {
        ["GIT_AUTHOR_NAME"] = "DriftFabric",
        ["GIT_AUTHOR_EMAIL"] = "driftfabric@localhost",
        ["GIT_COMMITTER_NAME"] = "DriftFabric",
        ["GIT_COMMITTER_EMAIL"] = "driftfabric@localhost",
    };

    /// <summary>
    /// The patch of <paramref name="files"/> (path, new bytes); unless <paramref name="dryRun"/>
    /// and when they are in a git checkout, also a commit of them on <paramref name="branch"/> (a
    /// suffix is added when it exists). Returns the patch and the branch (null: none made).
    /// </summary>
    public static async Task<(string Patch, string? Branch)> CommitAsync(IReadOnlyList<(string Path, byte[] Bytes)> files, string branch, string message, bool dryRun, CancellationToken ct = default)
    {
        var directory = Path.GetDirectoryName(files[0].Path)!;
        var (inGit, top) = await RunAsync(directory, ["rev-parse", "--show-toplevel"], ct: ct);
        if (!inGit || dryRun)
        {
            return (await DiffAsync(files, inGit ? top.Trim() : null, ct), null);
        }

        top = top.Trim();
        var index = Path.Combine(Path.GetTempPath(), $"driftfabric-index-{Guid.NewGuid():N}");
        var env = new Dictionary<string, string>(Identity) { ["GIT_INDEX_FILE"] = index };
        try
        {
            await GitAsync(top, ["read-tree", "HEAD"], env, ct);
            foreach (var (file, bytes) in files)
            {
                var relative = Path.GetRelativePath(top, file).Replace('\\', '/');
                // The private index holds HEAD's tree: a file not in it is untracked (or ignored), and "git diff HEAD" does not see it.
                var listed = (await GitAsync(top, ["ls-files", "-s", "--", relative], env, ct)).Split(' ');
                if (listed.Length < 2)
                {
                    throw new AdoptionException($"{relative} is not committed (git does not track it): commit it first, so the branch holds only the adoption");
                }

                var (same, _) = await RunAsync(top, ["diff", "--quiet", "HEAD", "--", relative], ct: ct);
                if (!same)
                {
                    throw new AdoptionException($"{relative} has changes that are not committed: commit or drop them first, so the branch holds only the adoption");
                }

                // --path: the blob is what "git add" of the edited file would store (the repo's attributes and filters apply).
                var blob = (await GitAsync(top, ["hash-object", "-w", "--stdin", "--path=" + relative], env, ct, bytes)).Trim();
                await GitAsync(top, ["update-index", "--cacheinfo", $"{listed[0]},{blob},{relative}"], env, ct);
            }

            var tree = (await GitAsync(top, ["write-tree"], env, ct)).Trim();
            var commit = (await GitAsync(top, ["commit-tree", tree, "-p", "HEAD", "-m", message], env, ct)).Trim();
            var name = branch;
            for (var i = 2; (await RunAsync(top, ["rev-parse", "--verify", "--quiet", "refs/heads/" + name], ct: ct)).Ok; i++)
            {
                name = $"{branch}-{i}";
            }

            await GitAsync(top, ["branch", name, commit], env, ct);
            return (await GitAsync(top, ["diff", "--no-color", "HEAD", commit], env, ct), name);
        }
        finally
        {
            File.Delete(index);
        }
    }

    /// <summary>A unified diff of the files as they are on disk against their new bytes, paths relative to <paramref name="top"/> (or the files' folder).</summary>
    private static async Task<string> DiffAsync(IReadOnlyList<(string Path, byte[] Bytes)> files, string? top, CancellationToken ct)
    {
        var root = top ?? Path.GetDirectoryName(files[0].Path)!;
        var scratch = Directory.CreateTempSubdirectory("driftfabric-adopt-");
        try
        {
            var patch = new StringBuilder();
            foreach (var (file, bytes) in files)
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                var before = Path.Combine(scratch.FullName, "a", relative);
                var after = Path.Combine(scratch.FullName, "b", relative);
                Directory.CreateDirectory(Path.GetDirectoryName(before)!);
                Directory.CreateDirectory(Path.GetDirectoryName(after)!);
                File.Copy(file, before);
                await File.WriteAllBytesAsync(after, bytes, ct);
                var (_, diff) = await RunAsync(scratch.FullName, ["diff", "--no-index", "--no-color", "--", $"a/{relative}", $"b/{relative}"], ct: ct);
                patch.Append(diff);
            }

            return patch.ToString();
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static async Task<string> GitAsync(string directory, string[] args, Dictionary<string, string> env, CancellationToken ct, byte[]? input = null)
    {
        var (ok, output) = await RunAsync(directory, args, env, input, ct);
        return ok ? output : throw new AdoptionException($"git {string.Join(' ', args.Take(2))} failed in {directory}: {output.Trim()}");
    }

    private static async Task<(bool Ok, string Output)> RunAsync(string directory, string[] args, Dictionary<string, string>? env = null, byte[]? input = null, CancellationToken ct = default)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? [])
        {
            start.Environment[key] = value;
        }

        try
        {
            using var git = Process.Start(start)!;
            if (input is not null)
            {
                await git.StandardInput.BaseStream.WriteAsync(input, ct);
                git.StandardInput.Close();
            }

            var output = git.StandardOutput.ReadToEndAsync(ct);
            var error = git.StandardError.ReadToEndAsync(ct);
            await git.WaitForExitAsync(ct);
            // git diff --no-index answers 1 when the files differ: that is its answer, not a failure.
            var ok = git.ExitCode == 0 || (args is ["diff", "--no-index", ..] && git.ExitCode == 1);
            return (ok, ok ? await output : await error + await output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new AdoptionException($"git cannot be run: {e.Message}");
        }
    }
}
