using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using DriftFabric.Abstractions;
using k8s;
using k8s.Authentication;
using k8s.Exceptions;

namespace DriftFabric.Sources.Kubernetes;

/// <summary>Makes a connection to a cluster's API server: the cluster grain's watch and the remediations' writes each hold their own.</summary>
public interface IKubeClientFactory
{
    /// <exception cref="k8s.Exceptions.KubeConfigException">The kubeconfig (or the in-cluster service account) does not read.</exception>
    IKubernetes Create(KubeEndpoint endpoint);
}

/// <summary>
/// KubernetesClient from a kubeconfig file and context, or from the pod's service account
/// (<see cref="KubeEndpoint.InCluster"/>). Credentials are read again as they rotate, so that a
/// connection that lives as long as a watch never holds an expired one: the ServiceAccount's
/// token file at every request (bound tokens expire within the hour; kubelet writes the new one
/// by swapping the mount's <c>..data</c> link), and a kubeconfig's bearer token whenever the file
/// (a Secret mounted the same way, as Argo CD's cluster Secrets are) reads differently.
/// </summary>
public sealed class KubeClientFactory(KubernetesOptions options, Func<string, string?> environment) : IKubeClientFactory
{
    public const string ServiceHostVariable = "KUBERNETES_SERVICE_HOST";
    public const string ServicePortVariable = "KUBERNETES_SERVICE_PORT";

    public KubeClientFactory()
        : this(new KubernetesOptions())
    {
    }

    public KubeClientFactory(KubernetesOptions options)
        : this(options, Environment.GetEnvironmentVariable)
    {
    }

    public IKubernetes Create(KubeEndpoint endpoint) => new k8s.Kubernetes(endpoint.InCluster ? InClusterConfig() : KubeconfigConfig(endpoint));

    /// <summary>
    /// What KubernetesClient's own <c>InClusterConfig()</c> builds, from <see cref="KubernetesOptions.ServiceAccountDirectory"/>
    /// rather than a fixed path: https to <c>KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT</c>,
    /// trusting <c>ca.crt</c>, authenticating with <c>token</c>.
    /// </summary>
    public KubernetesClientConfiguration InClusterConfig()
    {
        var host = environment(ServiceHostVariable);
        var port = environment(ServicePortVariable);
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new KubeConfigException($"in-cluster configuration needs {ServiceHostVariable} and {ServicePortVariable}, which Kubernetes sets in every pod: is the silo running in one?");
        }

        if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var portNumber) || portNumber is < 1 or > 65535)
        {
            throw new KubeConfigException($"in-cluster configuration: {ServicePortVariable} is not a port: '{port}'");
        }

        var directory = options.ServiceAccountDirectory;
        var tokenFile = Path.Combine(directory, "token");
        var caFile = Path.Combine(directory, "ca.crt");
        foreach (var file in new[] { tokenFile, caFile })
        {
            if (!File.Exists(file))
            {
                throw new KubeConfigException($"in-cluster configuration: {file} does not exist (is the ServiceAccount token mounted? automountServiceAccountToken must not be false)");
            }
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(caFile);
            if (authorities.Count == 0)
            {
                throw new IOException("no CERTIFICATE block in it");
            }
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new KubeConfigException($"in-cluster configuration: {caFile} does not read as PEM certificates: {e.Message}");
        }

        var namespaceFile = Path.Combine(directory, "namespace");
        return new KubernetesClientConfiguration
        {
            Host = new UriBuilder(Uri.UriSchemeHttps, host, portNumber).Uri.ToString(),
            SslCaCerts = authorities,
            TokenProvider = new TokenFile(tokenFile),
            Namespace = File.Exists(namespaceFile) ? File.ReadAllText(namespaceFile).Trim() : null,
        };
    }

    private static KubernetesClientConfiguration KubeconfigConfig(KubeEndpoint endpoint)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(endpoint.Kubeconfig, currentContext: endpoint.Context);
        if (!string.IsNullOrEmpty(config.AccessToken) && config.TokenProvider is null && endpoint.Kubeconfig is { } file)
        {
            config.TokenProvider = new KubeconfigToken(file, endpoint.Context, config.AccessToken);
        }

        return config;
    }

    /// <summary>
    /// The ServiceAccount's token, read at every request: a file of a kilobyte costs nothing
    /// beside the request, and a rotated token is used from the next request on (KubernetesClient's
    /// own TokenFileAuth keeps one a minute).
    /// </summary>
    private sealed class TokenFile(string path) : ITokenProvider
    {
        public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken) =>
            new("Bearer", (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim());
    }

    /// <summary>
    /// A kubeconfig's bearer token, read again when the file reads differently (its bytes are
    /// compared at each request; parsed only on a change). A file that cannot be read or parsed
    /// keeps the last good token: the server's 401 then says what is wrong.
    /// </summary>
    private sealed class KubeconfigToken(string path, string? context, string token) : ITokenProvider
    {
        private readonly Lock _lock = new();
        private byte[] _read = ReadOrEmpty(path);
        private string _token = token;

        public Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
        {
            var now = ReadOrEmpty(path);
            lock (_lock)
            {
                if (now.Length > 0 && !now.AsSpan().SequenceEqual(_read))
                {
                    try
                    {
                        using var stream = new MemoryStream(now, writable: false);
                        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(stream, currentContext: context);
                        _token = string.IsNullOrEmpty(config.AccessToken) ? _token : config.AccessToken;
                        _read = now;
                    }
                    catch (Exception e) when (e is KubeConfigException or IOException or FormatException || e.GetType().Namespace?.StartsWith("YamlDotNet", StringComparison.Ordinal) == true)
                    {
                        // Being written, or broken: the last good token stays until it reads well.
                    }
                }

                return Task.FromResult(new AuthenticationHeaderValue("Bearer", _token));
            }
        }

        private static byte[] ReadOrEmpty(string file)
        {
            try
            {
                return File.ReadAllBytes(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return [];
            }
        }
    }
}
