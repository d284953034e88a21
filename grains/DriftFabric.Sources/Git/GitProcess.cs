using System.Diagnostics;
using System.Text;

namespace DriftFabric.Sources.Git;

/// <summary>What one run of <c>git</c> came to: its exit code and what it wrote, or why it was stopped.</summary>
internal sealed record GitRun(int ExitCode, string Output, string Error, bool TimedOut, bool OverLimit)
{
    public bool Ok => ExitCode == 0 && !TimedOut && !OverLimit;
}

/// <summary>
/// Runs the real <c>git</c> as a child process: arguments as a list (never a shell), the
/// environment it is given (credentials travel there, never on the command line), stopped with
/// its children when it takes longer than its timeout or outgrows what it may write.
/// </summary>
internal static class GitProcess
{
    /// <summary>How often a running fetch's size is measured against its limit.</summary>
    private static readonly TimeSpan SizeCheckPeriod = TimeSpan.FromMilliseconds(200);

    /// <param name="readOutput">Reads stdout as a stream (a tree from <c>git archive</c>); without it stdout is kept as text.</param>
    /// <param name="overLimit">Asked while git runs: true stops it (a fetch growing past its repository's limit).</param>
    public static async Task<GitRun> RunAsync(
        string? directory,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        Func<Stream, CancellationToken, Task>? readOutput = null,
        Func<bool>? overLimit = null)
    {
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (directory is not null)
        {
            start.WorkingDirectory = directory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // An image built without git (deploy/Dockerfile's WITH_GIT=false): said in git's own form, so
            // the cluster's error reads like any other failed fetch.
            return new GitRun(127, string.Empty, $"fatal: cannot run 'git' ({e.Message}): install git, which fetches Git desired state", TimedOut: false, OverLimit: false);
        }

        using var git = started ?? throw new InvalidOperationException("git did not start");
        git.StandardInput.Close();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(timeout);
        var error = git.StandardError.ReadToEndAsync(CancellationToken.None);
        var output = readOutput is null
            ? git.StandardOutput.ReadToEndAsync(CancellationToken.None)
            : ReadAsync(git.StandardOutput.BaseStream, readOutput, stop.Token);
        var tooBig = false;
        try
        {
            var exited = git.WaitForExitAsync(stop.Token);
            while (overLimit is not null && !exited.IsCompleted)
            {
                await Task.WhenAny(exited, Task.Delay(SizeCheckPeriod, stop.Token));
                if (!exited.IsCompleted && overLimit())
                {
                    tooBig = true;
                    break;
                }
            }

            if (!tooBig)
            {
                await exited;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The timeout: stopped below, reported as such.
        }

        var timedOut = !tooBig && !git.HasExited;
        if (!git.HasExited)
        {
            git.Kill(entireProcessTree: true);
            await git.WaitForExitAsync(CancellationToken.None);
        }

        cancellationToken.ThrowIfCancellationRequested();
        string text;
        try
        {
            text = await output;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && (timedOut || tooBig || git.ExitCode != 0))
        {
            text = string.Empty;
        }

        return new GitRun(git.ExitCode, text, await error, timedOut, tooBig);
    }

    private static async Task<string> ReadAsync(Stream stdout, Func<Stream, CancellationToken, Task> readOutput, CancellationToken cancellationToken)
    {
        await readOutput(stdout, cancellationToken);
        return string.Empty;
    }
}
