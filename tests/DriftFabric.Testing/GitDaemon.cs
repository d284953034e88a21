namespace DriftFabric.Testing;

/// <summary>A real <c>git daemon</c> on a free loopback port serving a folder's repositories (every one exported); stopped on dispose.</summary>
public sealed class GitDaemon : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private GitDaemon(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string UrlOf(string name) => $"git://127.0.0.1:{Port}/{name}";

    public static async Task<GitDaemon> StartAsync(string servedFolder)
    {
        var port = LoopbackPorts.Free();
        var process = ChildProcess.Start(
            "git",
            ["daemon", "--export-all", "--reuseaddr", "--informative-errors", "--listen=127.0.0.1", $"--port={port}", $"--base-path={servedFolder}", servedFolder],
            new TempDirectory("driftfabric-git-daemon-"));
        var daemon = new GitDaemon(process, port);
        await process.WaitUntilReadyAsync(() => LoopbackPorts.AcceptsAsync(port), "git daemon");
        return daemon;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
