using DriftFabric.Testing;
using Microsoft.AspNetCore.Http;

namespace DriftFabric.KubeSim;

/// <summary>One simulated API server on a loopback port, its kubeconfig on disk, loaded with manifests as if they had been applied.</summary>
internal sealed class SimulatedCluster : IAsyncDisposable
{
    private SimulatedCluster(KubeApiServer server, string name)
    {
        Server = server;
        Name = name;
    }

    public KubeApiServer Server { get; }

    /// <summary>The kubeconfig's cluster, user and context name.</summary>
    public string Name { get; }

    public static async Task<SimulatedCluster> StartAsync(string name, int port, string? load, TextWriter? requests)
    {
        var server = await KubeApiServer.StartAsync(port: port);
        if (requests is not null)
        {
            server.OnRequest = async r =>
            {
                r.EnableBuffering();
                var body = await new StreamReader(r.Body, leaveOpen: true).ReadToEndAsync();
                r.Body.Position = 0;
                await requests.WriteLineAsync($"{r.Method} {r.Path}{r.QueryString} content-type={r.ContentType} accept={r.Headers.Accept} user-agent={r.Headers.UserAgent}{(body.Length > 0 ? "\n  " + body : string.Empty)}");
            };
        }

        var cluster = new SimulatedCluster(server, name);
        if (load is not null)
        {
            foreach (var obj in KubeManifests.ReadPath(load))
            {
                server.Load(obj);
            }
        }

        return cluster;
    }

    public int Objects => Server.Count;

    public void WriteKubeConfig(string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(path, Server.KubeConfig(Name));
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
