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

    /// <param name="rbac">Authenticate and authorize requests: <see cref="WriteKubeConfig"/> then writes an administrator's context and the fabric's ServiceAccount's.</param>
    public static async Task<SimulatedCluster> StartAsync(string name, int port, string? load, TextWriter? requests, bool rbac = false)
    {
        // kubectl sends a bearer token only over TLS: with RBAC on, the server speaks HTTPS under a CA of its own, which the kubeconfig trusts.
        var certificates = rbac ? TestCertificates.Create() : null;
        var server = await KubeApiServer.StartAsync(port: port, certificate: certificates?.Server);
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

        var cluster = new SimulatedCluster(server, name) { _certificates = certificates };
        if (load is not null)
        {
            foreach (var obj in KubeManifests.ReadPath(load))
            {
                server.Load(obj);
            }
        }

        if (rbac)
        {
            server.EnableRbac();
            cluster._adminToken = server.IssueToken(KubeUser.Admin());
            cluster._fabricToken = server.IssueToken(KubeUser.ServiceAccount("driftfabric", "driftfabric"));
        }

        return cluster;
    }

    private TestCertificates? _certificates;
    private string? _adminToken;
    private string? _fabricToken;

    public int Objects => Server.Count;

    public void WriteKubeConfig(string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        if (_adminToken is null || _fabricToken is null || _certificates is null)
        {
            File.WriteAllText(path, Server.KubeConfig(Name));
            return;
        }

        // Two contexts on the one server: the administrator's (current) and the fabric's ServiceAccount's.
        var server = Server.BaseUri.ToString().TrimEnd('/');
        var fabric = Name + "-driftfabric";
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {Name}
              cluster:
                server: {server}
                certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(_certificates.AuthorityPem))}
            users:
            - name: {Name}
              user:
                token: {_adminToken}
            - name: {fabric}
              user:
                token: {_fabricToken}
            contexts:
            - name: {Name}
              context:
                cluster: {Name}
                user: {Name}
                namespace: default
            - name: {fabric}
              context:
                cluster: {Name}
                user: {fabric}
                namespace: default
            current-context: {Name}

            """);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _certificates?.Dispose();
    }
}
