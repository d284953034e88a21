using System.Diagnostics;
using System.Text.Json.Nodes;

namespace DriftFabric.KubeSim.Tests;

/// <summary>
/// The real <c>kubectl</c> (<c>/usr/bin/kubectl</c>, v1.32) pointed at a simulated API server
/// through a kubeconfig file of its own, with a discovery cache of its own.
/// </summary>
public sealed class Kubectl : IDisposable
{
    private const string Binary = "/usr/bin/kubectl";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _home = new("driftfabric-kubectl-");

    public Kubectl(string kubeConfig)
    {
        _home.Write("kubeconfig", kubeConfig);
        ConfigPath = Path.Combine(_home.Root, "kubeconfig");
    }

    public string ConfigPath { get; }

    /// <summary>A file beside the kubeconfig, for manifests and editor scripts.</summary>
    public string Write(string name, string text)
    {
        _home.Write(name, text);
        return Path.Combine(_home.Root, name);
    }

    /// <summary>An executable shell script beside the kubeconfig, e.g. a <c>KUBE_EDITOR</c>.</summary>
    public string WriteScript(string name, string text)
    {
        var path = Write(name, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>Runs kubectl to its end; fails only when it does not end within a minute.</summary>
    public async Task<(int Exit, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        using var process = Process.Start(StartInfo(environment, arguments)) ?? throw new InvalidOperationException("kubectl did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', arguments)} did not end within {Patience.TotalSeconds} s");
        }

        return (process.ExitCode, await output, await error);
    }

    public Task<(int Exit, string Output, string Error)> RunAsync(params string[] arguments) => RunAsync(null, arguments);

    /// <summary>Runs kubectl and asserts it succeeded; returns what it printed.</summary>
    public async Task<string> SucceedAsync(params string[] arguments)
    {
        var (exit, output, error) = await RunAsync(arguments);
        Assert.True(exit == 0, $"kubectl {string.Join(' ', arguments)} exited {exit}: {error}{output}");
        return output;
    }

    /// <summary><c>kubectl get -o json --show-managed-fields</c> of one object.</summary>
    public async Task<JsonObject> GetAsync(string resource, string ns = "shop") =>
        JsonNode.Parse(await SucceedAsync("get", resource, "-n", ns, "-o", "json", "--show-managed-fields"))!.AsObject();

    /// <summary>Starts kubectl without waiting for it (a watch); the caller disposes it, which kills it.</summary>
    public Process Start(params string[] arguments) => Process.Start(StartInfo(null, arguments)) ?? throw new InvalidOperationException("kubectl did not start");

    private ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string>? environment, string[] arguments)
    {
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(ConfigPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Discovery is cached per server address; a port another test's server had before must not answer for this one.
        start.Environment["KUBECACHEDIR"] = Path.Combine(_home.Root, "cache");
        start.Environment["HOME"] = _home.Root;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>The managedFields entry of <paramref name="manager"/> (and subresource), failing when there is none.</summary>
    public static JsonObject Entry(JsonObject obj, string manager, string? subresource = null) =>
        obj["metadata"]!["managedFields"]!.AsArray().OfType<JsonObject>().SingleOrDefault(e => e["manager"]!.GetValue<string>() == manager && e["subresource"]?.GetValue<string>() == subresource)
        ?? throw new Xunit.Sdk.XunitException($"no managedFields entry of {manager}{(subresource is null ? string.Empty : "/" + subresource)}: {obj["metadata"]!["managedFields"]}");

    public void Dispose() => _home.Dispose();
}
