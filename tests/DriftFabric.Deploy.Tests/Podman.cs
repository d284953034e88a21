using System.Diagnostics;

namespace DriftFabric.Deploy.Tests;

/// <summary>
/// The <c>podman</c> CLI with a configuration and storage of its own under one folder, so what a
/// test builds and runs is never mixed with the machine's images and goes when the folder goes.
/// </summary>
/// <remarks>
/// Checked on this kind of machine (docs/container-image.md): crun fails here, so the runtime is
/// runc and podman's default ulimits (which runc may not raise) are dropped; overlay storage works
/// under a private root.
/// </remarks>
internal sealed class Podman
{
    private readonly string _containersConf;
    private readonly string _storageConf;

    private Podman(string containersConf, string storageConf)
    {
        _containersConf = containersConf;
        _storageConf = storageConf;
    }

    /// <summary>Writes the configuration under <paramref name="folder"/>: storage, runtime state and podman's own temp folder all in it.</summary>
    public static Podman In(string folder)
    {
        var storage = Path.Combine(folder, "storage");
        var containersConf = Path.Combine(folder, "containers.conf");
        var storageConf = Path.Combine(folder, "storage.conf");
        File.WriteAllText(containersConf, $"""
            [containers]
            default_ulimits = []
            [engine]
            runtime = "runc"
            tmp_dir = "{Path.Combine(storage, "tmp")}"
            volume_path = "{Path.Combine(storage, "volumes")}"

            """);
        File.WriteAllText(storageConf, $"""
            [storage]
            driver = "overlay"
            graphroot = "{Path.Combine(storage, "root")}"
            runroot = "{Path.Combine(storage, "run")}"

            """);
        return new Podman(containersConf, storageConf);
    }

    /// <summary>Runs podman; a non-zero exit throws with the command and the end of its output.</summary>
    public Task<string> RunAsync(params string[] arguments) => RunAsync(arguments, stdin: null);

    /// <summary>Runs podman with <paramref name="stdin"/> written to its standard input (an archive for <c>podman import -</c>).</summary>
    public async Task<string> RunAsync(IReadOnlyList<string> arguments, Func<Stream, Task>? stdin)
    {
        var (code, output, error) = await TryRunAsync(arguments, stdin);
        if (code != 0)
        {
            throw new InvalidOperationException($"podman {string.Join(' ', arguments)} exited {code}: {Tail(error + output)}");
        }

        return output;
    }

    public async Task<(int Code, string Output, string Error)> TryRunAsync(IReadOnlyList<string> arguments, Func<Stream, Task>? stdin = null)
    {
        var start = new ProcessStartInfo("podman")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        start.Environment["CONTAINERS_CONF"] = _containersConf;
        start.Environment["CONTAINERS_STORAGE_CONF"] = _storageConf;
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return await Tool.RunAsync(start, stdin);
    }

    private static string Tail(string text) => text.Length <= 4000 ? text.Trim() : "..." + text[^4000..].Trim();
}
