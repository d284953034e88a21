using System.Diagnostics;

namespace DriftFabric.Testing;

/// <summary>
/// A real OpenSSH server (<c>/usr/sbin/sshd</c>) on a free loopback port with a host key, a client
/// key and a configuration of its own (public keys only, no PAM): git reaches a repository by its
/// absolute path, <c>ssh://USER@127.0.0.1:PORT/abs/path</c>, as the user the tests run as. It
/// writes the known_hosts line of its host key and accepts only the client key it made. Stopped,
/// and its folder removed, on dispose.
/// </summary>
public sealed class SshGitServer : IAsyncDisposable
{
    private const string Sshd = "/usr/sbin/sshd";
    private readonly ChildProcess _process;

    private SshGitServer(ChildProcess process, int port, string user)
    {
        _process = process;
        Port = port;
        User = user;
    }

    public int Port { get; }

    /// <summary>The account git logs in as: the one the tests (and so sshd) run as.</summary>
    public string User { get; }

    private TempDirectory Folder => _process.Folder;

    /// <summary>The private key (OpenSSH format, no passphrase, mode 0600) the server accepts.</summary>
    public string ClientKeyFile => Folder.PathOf("client/id_ed25519");

    /// <summary>A known_hosts file holding the server's host key for <c>[127.0.0.1]:PORT</c>.</summary>
    public string KnownHostsFile => Folder.PathOf("known_hosts");

    /// <summary>What sshd wrote so far (with <c>-e</c>, its log): why a login was refused.</summary>
    public string Log => _process.Output;

    /// <summary>The URL git fetches <paramref name="repositoryRoot"/> (an absolute path) by.</summary>
    public string UrlOf(string repositoryRoot) => $"ssh://{User}@127.0.0.1:{Port}{repositoryRoot}";

    public static bool IsInstalled => File.Exists(Sshd);

    public static async Task<SshGitServer> StartAsync()
    {
        if (!IsInstalled)
        {
            throw new InvalidOperationException($"{Sshd} is not installed (test.sh installs openssh-server)");
        }

        var folder = new TempDirectory("driftfabric-sshd-");
        var hostKey = NewKeyPair(folder.PathOf("host_ed25519"));
        NewKeyPair(folder.PathOf("client/id_ed25519"));
        var authorizedKeys = folder.Write("authorized_keys", File.ReadAllText(folder.PathOf("client/id_ed25519.pub")));
        var port = LoopbackPorts.Free();
        var user = Environment.UserName;

        // sshd checks its privilege separation folder even when it runs as one user.
        Directory.CreateDirectory("/run/sshd");
        var config = folder.Write("sshd_config", string.Join("\n",
            $"ListenAddress 127.0.0.1",
            $"Port {port}",
            $"HostKey {hostKey}",
            $"PidFile {folder.PathOf("sshd.pid")}",
            $"AuthorizedKeysFile {authorizedKeys}",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            Environment.UserName == "root" ? "PermitRootLogin prohibit-password" : "PermitRootLogin no",
            $"AllowUsers {user}",

            // The temp folder is not the 0755 root-owned path StrictModes expects of a home.
            "StrictModes no",
            "UsePAM no",
            "PrintMotd no",
            "LogLevel VERBOSE",
            string.Empty));
        folder.Write("known_hosts", $"[127.0.0.1]:{port} {PublicKeyOf(hostKey)}\n");

        var process = ChildProcess.Start(Sshd, ["-D", "-e", "-f", config, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], folder);
        var server = new SshGitServer(process, port, user);
        await process.WaitUntilReadyAsync(() => LoopbackPorts.AcceptsAsync(port), "sshd");
        return server;
    }

    /// <summary>Makes a new ed25519 key pair at <paramref name="privateKeyFile"/> (and <c>.pub</c>) with <c>ssh-keygen</c>; returns the private key's path.</summary>
    public static string NewKeyPair(string privateKeyFile)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(privateKeyFile)!);
        var start = new ProcessStartInfo("ssh-keygen") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-q", "-t", "ed25519", "-N", string.Empty, "-C", "driftfabric-test", "-f", privateKeyFile])
        {
            start.ArgumentList.Add(argument);
        }

        using var keygen = Process.Start(start)!;
        var error = keygen.StandardError.ReadToEndAsync();
        keygen.StandardOutput.ReadToEnd();
        keygen.WaitForExit();
        if (keygen.ExitCode != 0)
        {
            throw new InvalidOperationException($"ssh-keygen failed: {error.Result}");
        }

        return privateKeyFile;
    }

    /// <summary>The <c>TYPE BASE64</c> of a key pair's public half (its comment left out).</summary>
    public static string PublicKeyOf(string privateKeyFile)
    {
        var words = File.ReadAllText(privateKeyFile + ".pub").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words[0] + " " + words[1];
    }

    /// <summary>A known_hosts line naming this server with another host's key: the server then is a host whose key does not match.</summary>
    public string KnownHostsLineWith(string otherPrivateKeyFile) => $"[127.0.0.1]:{Port} {PublicKeyOf(otherPrivateKeyFile)}\n";

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
