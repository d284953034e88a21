using System.Diagnostics;

namespace DriftFabric.Testing;

/// <summary>
/// A real Git repository a test writes and commits to (branch <c>main</c>), made with the
/// <c>git</c> CLI in a temp folder; served as it is by <c>file://</c>, <see cref="GitDaemon"/> or
/// <see cref="GitHttpServer"/>. Removed on dispose.
/// </summary>
public sealed class GitRepo : IDisposable
{
    private readonly TempDirectory _folder = new("driftfabric-git-remote-");

    private GitRepo(string name)
    {
        Name = name;
        Directory.CreateDirectory(Root);
    }

    /// <summary>The repository's name under its serving folder.</summary>
    public string Name { get; }

    /// <summary>The folder <c>git daemon</c> and <c>git http-backend</c> serve (holding this repository by its <see cref="Name"/>).</summary>
    public string ServedFolder => _folder.Root;

    public string Root => Path.Combine(_folder.Root, Name);

    public string FileUrl => "file://" + Root;

    public static GitRepo Create(string name = "fleet")
    {
        var repo = new GitRepo(name);
        repo.Git("init", "--quiet", "-b", "main");
        repo.Git("config", "uploadpack.allowAnySHA1InWant", "true");
        repo.Git("config", "uploadpack.allowFilter", "true");
        return repo;
    }

    public void Write(string relative, string text)
    {
        var path = Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public void WriteBytes(string relative, byte[] bytes)
    {
        var path = Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    public void Delete(string relative) => File.Delete(Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar)));

    /// <summary>Commits everything written; returns the new commit's SHA.</summary>
    public string Commit(string message = "change")
    {
        Git("add", "--all");
        Git("-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "--quiet", "--allow-empty", "-m", message);
        return Head();
    }

    /// <summary>Replaces the branch's last commit with one holding what is written now: the history a force-push leaves.</summary>
    public string Amend(string message = "rewritten")
    {
        Git("add", "--all");
        Git("-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "--quiet", "--amend", "--allow-empty", "-m", message);
        return Head();
    }

    public string Head() => Git("rev-parse", "HEAD").Trim();

    public string Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        using var git = Process.Start(start)!;
        var output = git.StandardOutput.ReadToEndAsync();
        var error = git.StandardError.ReadToEnd();
        git.WaitForExit();
        return git.ExitCode == 0 ? output.Result : throw new InvalidOperationException($"git {string.Join(' ', arguments)}: {error}");
    }

    public void Dispose() => _folder.Dispose();
}
