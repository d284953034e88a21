using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using static DriftFabric.Silo.Tests.Injection.AdmissionReviews;

namespace DriftFabric.Silo.Tests.Injection;

/// <summary>
/// The sidecar injector in a real silo process, over real HTTPS: the client trusts only the CA
/// the silo says it wrote (or the test's own CA for certificate files), never "any certificate".
/// </summary>
public sealed class WebhookTests
{
    [Fact]
    public async Task An_admission_review_round_trip_over_https_injects_once_and_never_refuses()
    {
        using var fleet = TempFleet.FromExamples();
        await using var silo = SiloProcess.Start("--fleet", fleet.SpecPath);
        var line = await silo.WaitForLineAsync("webhook: https://");
        Assert.Equal($"webhook: https://127.0.0.1:{silo.WebhookPort}/inject (generated certificate, its CA in {silo.WebhookCaFile}; the agent as a native sidecar)", line);
        using var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(silo.WebhookCaFile!));
        using var webhook = TrustingOnly(ca, silo.WebhookPort);

        // A real pod, with managedFields: the native sidecar, by a JSON Patch library of its own.
        var pod = NginxPodWithVolumes();
        var (once, patched) = await InjectAsync(webhook, pod);
        var agent = patched.Spec.InitContainers.Single(c => c.Name == "driftfabric-agent");
        Assert.Equal("Always", agent.RestartPolicy);
        Assert.Equal("ghcr.io/driftfabric/driftfabric-agent:0.1.0", agent.Image);
        Assert.Equal(["agent", "--server", "http://driftfabric.driftfabric.svc:5080", "--interval", "10s"], agent.Args);
        Assert.Equal(pod["metadata"]!["managedFields"]!.ToJsonString(), once["metadata"]!["managedFields"]!.ToJsonString());

        // A second pass adds nothing; an opted-out pod and a Deployment are let through untouched.
        Assert.Null(Patch(await PostAsync(webhook, Review(once))));
        var optedOut = NginxPod();
        optedOut["metadata"]!["labels"]!["driftfabric.io/inject"] = "false";
        Assert.Null(Patch(await PostAsync(webhook, Review(optedOut))));
        var deployment = await PostAsync(webhook, Review(NginxPod(), uid: "d-1", group: "apps", kind: "Deployment", resource: "deployments"));
        Assert.Equal("d-1", (string?)deployment["uid"]);
        Assert.Null(Patch(deployment));

        // A malformed review: allowed, with a warning, and one line in the silo's log.
        var malformed = await PostAsync(webhook, "{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": {\"uid\": \"m-1\", \"kind\": {\"group\": \"\", \"version\": \"v1\", \"kind\": \"Pod\"}, \"operation\": \"CREATE\", \"object\": 42}}");
        Assert.Equal("m-1", (string?)malformed["uid"]);
        Assert.Equal("driftfabric injector: the review's object is not a pod; admitted without the agent", (string?)Assert.Single(malformed["warnings"]!.AsArray()));
        await silo.WaitForLineAsync("Webhook: admitted a malformed review from 127.0.0.1 without the agent: the review's object is not a pod");
        var notJson = await PostAsync(webhook, "not json");
        Assert.Equal(string.Empty, (string?)notJson["uid"]);

        // The webhook's port serves nothing of the API, and the API's port no /inject.
        Assert.Equal(HttpStatusCode.NotFound, (await webhook.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await webhook.GetAsync("/api/v1/tenants")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await webhook.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await webhook.GetAsync("/inject")).StatusCode);
        using var api = new HttpClient { BaseAddress = silo.ApiUri };
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/readyz")).StatusCode);
        using var onApi = await api.PostAsync("/inject", new StringContent(Review(pod), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, onApi.StatusCode);

        // HTTPS only: plain HTTP on the webhook's port is no answer.
        using var plain = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{silo.WebhookPort}/") };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.PostAsync("/inject", new StringContent(Review(pod))));
    }

    [Fact]
    public async Task A_certificate_from_files_is_served_and_a_rotated_one_from_the_next_connection_on()
    {
        using var fleet = TempFleet.FromExamples();
        using var files = new TempDirectory("driftfabric-webhook-tls-");
        using var first = TestCertificates.Create();
        using var second = TestCertificates.Create();
        WritePair(files, first.Server);
        await using var silo = SiloProcess.Start(
            new Dictionary<string, string>
            {
                ["DRIFTFABRIC__WEBHOOK__CERTFILE"] = files.PathOf("tls.crt"),
                ["DRIFTFABRIC__WEBHOOK__KEYFILE"] = files.PathOf("tls.key"),
            },
            "--fleet", fleet.SpecPath);
        Assert.EndsWith($"(certificate from {files.PathOf("tls.crt")}; the agent as a native sidecar)", await silo.WaitForLineAsync("webhook: https://"));

        using (var webhook = TrustingOnly(first.Authority, silo.WebhookPort))
        {
            Assert.NotNull(Patch(await PostAsync(webhook, Review(NginxPod()))));
        }

        Assert.Equal(first.Server.Thumbprint, (await ServedCertificateAsync(silo.WebhookPort, first.Authority)).Thumbprint);

        // cert-manager renews: new files in place. The next connection gets the new certificate.
        WritePair(files, second.Server);
        Assert.Equal(second.Server.Thumbprint, (await ServedCertificateAsync(silo.WebhookPort, second.Authority)).Thumbprint);
        using (var renewed = TrustingOnly(second.Authority, silo.WebhookPort))
        {
            Assert.NotNull(Patch(await PostAsync(renewed, Review(NginxPod()))));
        }

        // Nothing of either key in the silo's output.
        var keys = new[] { first, second }.Select(c => PemBody(c.Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem())).ToList();
        Assert.DoesNotContain(silo.Output, l => keys.Any(k => l.Contains(k[..40], StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_webhook_port_that_is_not_a_port_or_the_apis_stops_the_silo_in_one_line()
    {
        using var fleet = TempFleet.FromExamples();
        await using var notAPort = SiloProcess.Start("--fleet", fleet.SpecPath, "--webhook-port", "70000");
        Assert.Equal(1, await notAPort.ExitCodeAsync());
        Assert.Contains("--webhook-port (DRIFTFABRIC__WEBHOOKPORT) is not a port (1 to 65535): 70000", notAPort.Output);

        using var halfPair = new TempDirectory("driftfabric-webhook-tls-");
        await using var noKey = SiloProcess.Start(new Dictionary<string, string> { ["DRIFTFABRIC__WEBHOOK__CERTFILE"] = halfPair.Write("tls.crt", "x") }, "--fleet", fleet.SpecPath);
        Assert.Equal(1, await noKey.ExitCodeAsync());
        Assert.Contains("webhook: give both DRIFTFABRIC__WEBHOOK__CERTFILE and DRIFTFABRIC__WEBHOOK__KEYFILE, or neither (a generated certificate)", noKey.Output);
    }

    private static async Task<(JsonObject Json, k8s.Models.V1Pod Pod)> InjectAsync(HttpClient webhook, JsonObject pod) =>
        Apply(pod, Patch(await PostAsync(webhook, Review(pod)))!);

    private static async Task<JsonObject> PostAsync(HttpClient webhook, string review)
    {
        using var response = await webhook.PostAsync("/inject", new StringContent(review, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return Response(await response.Content.ReadAsStringAsync());
    }

    /// <summary>A client of the webhook at <c>localhost</c> that trusts <paramref name="authority"/> and nothing else.</summary>
    private static HttpClient TrustingOnly(X509Certificate2 authority, int port)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { X509CertificateLoader.LoadCertificate(authority.RawData) },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://localhost:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The certificate the webhook presents on a new connection, which must chain to <paramref name="authority"/>.</summary>
    private static async Task<X509Certificate2> ServedCertificateAsync(int port, X509Certificate2 authority)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        X509Certificate2? served = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, errors) =>
        {
            served = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(authority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None && chain.Build(served);
        });
        await tls.AuthenticateAsClientAsync("localhost");
        return served!;
    }

    /// <summary>tls.crt and tls.key as a cert-manager Secret mounts them.</summary>
    private static void WritePair(TempDirectory folder, X509Certificate2 server)
    {
        folder.Write("tls.key", server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        folder.Write("tls.crt", server.ExportCertificatePem());
    }

    private static string PemBody(string pem) => string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)));
}
