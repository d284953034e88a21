namespace DriftFabric.Silo.Injection;

/// <summary>
/// The sidecar injector's settings, section <c>DriftFabric:Webhook</c>
/// (<c>DRIFTFABRIC__WEBHOOK__CERTFILE</c>...); its port and address are the silo's
/// <c>--webhook-port</c> and <c>--webhook-address</c>. Checked with the silo's other settings.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>The serving certificate, PEM (a cert-manager Secret's <c>tls.crt</c>); read again when it changes. None: one is generated at start.</summary>
    public string? CertFile { get; set; }

    /// <summary>Its private key, PEM (<c>tls.key</c>).</summary>
    public string? KeyFile { get; set; }

    /// <summary>Where a generated certificate's CA is written (PEM), for the webhook configuration's <c>caBundle</c>; default <c>TEMP/driftfabric-webhook-PORT/ca.crt</c>.</summary>
    public string? CaFile { get; set; }

    /// <summary>The cluster the webhook serves (<c>tenant/cluster</c>), whose <c>kubernetesVersion</c> decides native sidecars; default the fleet's one <c>inCluster</c> cluster, if it has exactly one.</summary>
    public string? Cluster { get; set; }

    /// <summary>The agent's image.</summary>
    public string AgentImage { get; set; } = AgentSidecar.DefaultImage;

    /// <summary>The URL the agent reports to: the silo's API as the pods reach it.</summary>
    public string AgentServer { get; set; } = AgentSidecar.DefaultServer.ToString();

    public bool HasCertificateFiles() => !string.IsNullOrWhiteSpace(CertFile) || !string.IsNullOrWhiteSpace(KeyFile);

    public string CaPath(int port) => string.IsNullOrWhiteSpace(CaFile)
        ? Path.Combine(Path.GetTempPath(), $"driftfabric-webhook-{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "ca.crt")
        : Path.GetFullPath(CaFile);

    /// <summary>What is wrong with these settings, one line each (the files are checked to be readable, and to hold a certificate and its key).</summary>
    public IEnumerable<string> Problems()
    {
        if (HasCertificateFiles())
        {
            if (string.IsNullOrWhiteSpace(CertFile) || string.IsNullOrWhiteSpace(KeyFile))
            {
                yield return "webhook: give both DRIFTFABRIC__WEBHOOK__CERTFILE and DRIFTFABRIC__WEBHOOK__KEYFILE, or neither (a generated certificate)";
            }
            else
            {
                var problem = WebhookCertificateFiles.TryLoad(CertFile, KeyFile, out var loaded);
                loaded?.Certificate.Dispose();
                if (problem is not null)
                {
                    yield return $"webhook: {problem} (DRIFTFABRIC__WEBHOOK__CERTFILE, DRIFTFABRIC__WEBHOOK__KEYFILE)";
                }
            }
        }

        if (!string.IsNullOrWhiteSpace(Cluster) && Cluster.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
        {
            yield return $"webhook: DRIFTFABRIC__WEBHOOK__CLUSTER is not tenant/cluster: '{Cluster}'";
        }

        if (string.IsNullOrWhiteSpace(AgentImage))
        {
            yield return "webhook: DRIFTFABRIC__WEBHOOK__AGENTIMAGE is empty";
        }

        if (!Uri.TryCreate(AgentServer, UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
        {
            yield return $"webhook: DRIFTFABRIC__WEBHOOK__AGENTSERVER is not an http:// or https:// URL: '{AgentServer}'";
        }
        else if (server.UserInfo.Length > 0)
        {
            // Not echoed: it holds a credential. The URL goes into every injected pod's spec.
            yield return "webhook: DRIFTFABRIC__WEBHOOK__AGENTSERVER must not carry credentials (user:password@): it is written into every injected pod";
        }
    }
}
