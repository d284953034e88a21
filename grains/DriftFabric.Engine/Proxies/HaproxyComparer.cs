using System.Globalization;
using System.Net;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Proxies;

/// <summary>One server of an HAProxy backend as declared or as running: where it sends traffic, its weight, its admin state.</summary>
public sealed record HaproxyServer(string Backend, string Name, string Address, int Port, int Weight, string State, int Line)
{
    /// <summary>The host name a running server was declared with (<c>srv_fqdn</c>), which <see cref="Address"/> resolved from.</summary>
    public string? Host { get; init; }
}

/// <summary>A backend (or <c>listen</c> section) as declared, with the line that declares it.</summary>
public sealed record HaproxyBackend(string Name, int Line);

/// <summary>
/// What the IaC repo declares: the backends and their servers. <see cref="Complete"/> when it is
/// the whole <c>haproxy.cfg</c> (every backend the proxy should run is in it); a YAML section
/// declares the backends it manages, and may leave others to the proxy's own config.
/// </summary>
public sealed record HaproxyDeclared(IReadOnlyList<HaproxyBackend> Backends, IReadOnlyList<HaproxyServer> Servers, bool Complete);

/// <summary>
/// What a running HAProxy reports: its servers (<c>show servers state</c>) and, when asked too,
/// the names of all its backends (<c>show backend</c>, null when the answer does not hold it).
/// </summary>
public sealed record HaproxyRuntime(IReadOnlyList<HaproxyServer> Servers, IReadOnlyList<string>? Backends);

/// <summary>
/// HAProxy's backends: declared in the <c>haproxy.cfg</c> the IaC repo ships (<c>backend</c> sections
/// and their <c>server</c> lines) or in a YAML section of the repo, and running as the runtime API
/// reports them (<c>show backend</c> and <c>show servers state</c> over the stats socket). A server
/// put into maintenance or drain, re-weighted or re-addressed by hand through the runtime API is
/// drift, with the runtime API named as the manager; so is a backend the running proxy lacks or
/// has beyond the code (a reload with another config).
/// </summary>
public static class HaproxyComparer
{
    /// <summary>The manager of a change made on a running HAProxy.</summary>
    public const string RuntimeApi = "haproxy-runtime-api";

    /// <summary>The commands a live read sends over the runtime API, in one connection.</summary>
    public const string RuntimeCommands = "show backend;show servers state";

    /// <summary>
    /// The backends and servers declared in <paramref name="source"/>: a YAML file (<c>.yaml</c>, <c>.yml</c>)
    /// of the IaC repo in the form <see cref="ParseYaml"/> reads, else the <c>haproxy.cfg</c> the repo ships.
    /// </summary>
    public static HaproxyDeclared ParseDeclared(string text, string source, List<ManifestError> errors) =>
        source.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || source.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
            ? ParseYaml(text, source, errors)
            : ParseConfig(text, source, errors);

    private static readonly string[] ServerFields = ["address", "weight", "state"];
    private static readonly string[] States = ["ready", "maint", "drain"];

    /// <summary>
    /// Servers declared in YAML, an error naming the line and field for each that does not read:
    /// <code>
    /// backends:
    ///   web:
    ///     servers:
    ///       web1: { address: 10.0.0.7:8080, weight: 10 }        # weight: default 1
    ///       spare: { address: 10.0.0.9:8080, state: maint }    # state: ready (default), maint, drain
    /// </code>
    /// </summary>
    public static HaproxyDeclared ParseYaml(string text, string source, List<ManifestError> errors)
    {
        var servers = new List<HaproxyServer>();
        var declared = new List<HaproxyBackend>();
        var result = new HaproxyDeclared(declared, servers, Complete: false);
        Node? root;
        try
        {
            root = Parsing.YamlReader.ReadSingle(text);
        }
        catch (Parsing.ParseException e)
        {
            errors.Add(new ManifestError(source, e.Line, e.Message));
            return result;
        }

        if (root is not MapNode { } map || map["backends"] is not MapNode backends || map.Entries.Any(e => e.Key != "backends"))
        {
            errors.Add(new ManifestError(source, root?.Line ?? 0, "expected a mapping with one field, 'backends: { NAME: { servers: { NAME: { address: HOST:PORT, weight: N, state: ready|maint|drain } } } }'"));
            return result;
        }

        foreach (var (backend, body) in backends.Entries)
        {
            if (body is not MapNode { } backendMap || backendMap["servers"] is not MapNode list || backendMap.Count != 1)
            {
                errors.Add(new ManifestError(source, body.Line, $"backends.{backend}: expected one field, 'servers', a mapping of server names"));
                continue;
            }

            declared.Add(new HaproxyBackend(backend, body.Line));

            foreach (var (name, server) in list.Entries)
            {
                var field = $"backends.{backend}.servers.{name}";
                if (server is not MapNode fields)
                {
                    errors.Add(new ManifestError(source, server.Line, $"{field}: expected a mapping (address, weight, state)"));
                    continue;
                }

                var unknown = fields.Entries.FirstOrDefault(e => Array.IndexOf(ServerFields, e.Key) < 0);
                if (unknown.Key is not null)
                {
                    errors.Add(new ManifestError(source, unknown.Value.Line, $"{field}.{unknown.Key}: unknown field (expected one of: {string.Join(", ", ServerFields)})"));
                    continue;
                }

                if (fields.GetString("address") is not { } addressText || !TrySplitAddress(addressText, out var address, out var port))
                {
                    errors.Add(new ManifestError(source, (fields["address"] ?? fields).Line, $"{field}.address: is required, as HOST:PORT"));
                    continue;
                }

                var weight = 1;
                if (fields["weight"] is { } weightNode && (weightNode is not ScalarNode { Kind: NodeKind.Number } number
                    || !int.TryParse(number.Text, NumberStyles.None, CultureInfo.InvariantCulture, out weight) || weight > 256))
                {
                    errors.Add(new ManifestError(source, weightNode.Line, $"{field}.weight: must be a whole number from 0 to 256"));
                    continue;
                }

                var state = fields.GetString("state") ?? "ready";
                if (Array.IndexOf(States, state) < 0 || (fields["state"] is { } stateNode && stateNode is not ScalarNode { Kind: NodeKind.String }))
                {
                    errors.Add(new ManifestError(source, fields["state"]!.Line, $"{field}.state: must be one of ready, maint, drain"));
                    continue;
                }

                servers.Add(new HaproxyServer(backend, name, address, port, weight, state, server.Line));
            }
        }

        if (declared.Count == 0 && errors.Count == 0)
        {
            errors.Add(new ManifestError(source, root.Line, "declares no backend"));
        }

        return result;
    }

    /// <summary>
    /// The backends and servers a <c>haproxy.cfg</c> declares (<c>backend</c> and <c>listen</c>
    /// sections; <c>server</c> and <c>server-template</c> lines, with the weight and <c>disabled</c>
    /// they take from <c>default-server</c> lines of the <c>defaults</c> section or their own section
    /// before them), and an error naming the line for each server line it cannot read, or for a
    /// file that declares no backend at all (it is no haproxy.cfg).
    /// </summary>
    public static HaproxyDeclared ParseConfig(string text, string source, List<ManifestError> errors)
    {
        var servers = new List<HaproxyServer>();
        var declared = new List<HaproxyBackend>();
        string? backend = null;
        var inDefaults = false;
        DefaultServer defaults = new(1, false), sectionDefaults = defaults;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var words = lines[i].Split('#', 2)[0].Split((char[])[' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            if (words[0] is "backend" or "listen")
            {
                backend = words.Length > 1 ? words[1] : null;
                inDefaults = false;
                sectionDefaults = defaults;
                if (backend is not null)
                {
                    declared.Add(new HaproxyBackend(backend, i + 1));
                }
            }
            else if (words[0] is "defaults")
            {
                backend = null;
                inDefaults = true;
                defaults = new(1, false);
            }
            else if (words[0] is "global" or "frontend" or "userlist" or "peers" or "resolvers" or "cache" or "program" or "mailers" or "ring" or "http-errors")
            {
                backend = null;
                inDefaults = false;
            }
            else if (words[0] == "default-server" && (inDefaults || backend is not null))
            {
                var (weight, disabled) = inDefaults ? defaults : sectionDefaults;
                if (!TryReadWeight(words, 1, ref weight))
                {
                    errors.Add(new ManifestError(source, i + 1, $"{(inDefaults ? "defaults" : $"backend {backend}")}: default-server: weight is not a number"));
                    continue;
                }

                var next = new DefaultServer(weight, words.Contains("disabled") || (disabled && !words.Contains("enabled")));
                if (inDefaults)
                {
                    defaults = next;
                }
                else
                {
                    sectionDefaults = next;
                }
            }
            else if (words[0] is "server" or "server-template" && backend is not null)
            {
                var template = words[0] == "server-template";
                var addressAt = template ? 3 : 2;
                if (words.Length <= addressAt || !TrySplitAddress(words[addressAt], out var address, out var port))
                {
                    errors.Add(new ManifestError(source, i + 1, template
                        ? $"backend {backend}: 'server-template' needs a prefix, a count or range, and an address:port"
                        : $"backend {backend}: 'server' needs a name and an address:port"));
                    continue;
                }

                var weight = sectionDefaults.Weight;
                if (!TryReadWeight(words, addressAt + 1, ref weight))
                {
                    errors.Add(new ManifestError(source, i + 1, $"backend {backend}: {words[0]} {words[1]}: weight is not a number"));
                    continue;
                }

                var state = words.Contains("disabled") || (sectionDefaults.Disabled && !words.Contains("enabled")) ? "maint" : "ready";
                if (!template)
                {
                    servers.Add(new HaproxyServer(backend, words[1], address, port, weight, state, i + 1));
                }
                else if (TryReadRange(words[2], out var first, out var last))
                {
                    for (var n = first; n <= last; n++)
                    {
                        servers.Add(new HaproxyServer(backend, words[1] + n.ToString(CultureInfo.InvariantCulture), address, port, weight, state, i + 1));
                    }
                }
                else
                {
                    errors.Add(new ManifestError(source, i + 1, $"backend {backend}: server-template {words[1]}: '{words[2]}' is not a count or a range (N or A-B)"));
                }
            }
        }

        if (declared.Count == 0 && errors.Count == 0)
        {
            errors.Add(new ManifestError(source, 0, "declares no 'backend' or 'listen' section: not an haproxy.cfg"));
        }

        return new HaproxyDeclared(declared, servers, Complete: true);
    }

    /// <summary>The weight and <c>disabled</c> a <c>default-server</c> line gives the servers after it.</summary>
    private readonly record struct DefaultServer(int Weight, bool Disabled);

    /// <summary>Reads <c>weight N</c> among the words from <paramref name="from"/> on, if it is there; false when N is no number.</summary>
    private static bool TryReadWeight(string[] words, int from, ref int weight)
    {
        var at = Array.IndexOf(words, "weight", from);
        return at < 0 || (at + 1 < words.Length && int.TryParse(words[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out weight));
    }

    /// <summary>A <c>server-template</c> count (<c>3</c>: 1 to 3) or range (<c>3-5</c>).</summary>
    private static bool TryReadRange(string text, out int first, out int last)
    {
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        first = 1;
        return dash < 0
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out last) && last >= 1 && last <= 10_000
            : int.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out first)
              & int.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out last)
              && first <= last && last - first < 10_000;
    }

    /// <summary>
    /// What the runtime API answered to <see cref="RuntimeCommands"/>: the backend list of
    /// <c>show backend</c> (optional: an answer or saved file may hold <c>show servers state</c>
    /// alone), then <c>show servers state</c>; null and an error when the text is not that.
    /// </summary>
    public static HaproxyRuntime? ParseRuntime(string text, string source, List<ManifestError> errors)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        List<string>? backends = null;
        if (text.StartsWith("# name\n", StringComparison.Ordinal))
        {
            // show backend: "# name", a name a line, and a blank line that ends the answer.
            var end = text.IndexOf("\n\n", StringComparison.Ordinal);
            var listed = end < 0 ? text : text[..end];
            backends = [.. listed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1)];
            if (backends.Exists(b => b.Contains(' ', StringComparison.Ordinal)))
            {
                errors.Add(new ManifestError(source, 0, "not the runtime API's 'show backend': a backend name holds a space"));
                return null;
            }

            text = end < 0 ? string.Empty : text[(end + 2)..];
        }

        return ParseServersState(text, source, errors) is { } servers ? new HaproxyRuntime(servers, backends) : null;
    }

    /// <summary>The servers of the runtime API's <c>show servers state</c> (format 1), or an error when the text is not that.</summary>
    public static List<HaproxyServer>? ParseServersState(string text, string source, List<ManifestError> errors)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length < 2 || lines[0] != "1" || !lines[1].StartsWith("# be_id be_name srv_id srv_name srv_addr", StringComparison.Ordinal))
        {
            errors.Add(new ManifestError(source, 0, "not the runtime API's 'show servers state' (format 1)"));
            return null;
        }

        var columns = lines[1][2..].Split(' ');
        int Column(string name) => Array.IndexOf(columns, name);
        int backend = Column("be_name"), name = Column("srv_name"), address = Column("srv_addr"), admin = Column("srv_admin_state"), weight = Column("srv_uweight"), port = Column("srv_port"), fqdn = Column("srv_fqdn");
        var servers = new List<HaproxyServer>();
        foreach (var line in lines.Skip(2))
        {
            var values = line.Split(' ');
            if (values.Length < columns.Length
                || !int.TryParse(values[admin], NumberStyles.None, CultureInfo.InvariantCulture, out var adminState)
                || !int.TryParse(values[weight], NumberStyles.None, CultureInfo.InvariantCulture, out var userWeight)
                || !int.TryParse(values[port], NumberStyles.None, CultureInfo.InvariantCulture, out var serverPort))
            {
                errors.Add(new ManifestError(source, 0, $"a server line of 'show servers state' does not read: {line}"));
                return null;
            }

            // Admin state bits: maintenance 0x01 forced, 0x02 inherited, 0x20 by a failed DNS resolution;
            // drain 0x08 forced, 0x10 inherited. 0x04 only says the config disabled the server: it stays
            // set when the server is enabled by hand, which is then ready (and drift).
            var state = (adminState & 0x23) != 0 ? "maint" : (adminState & 0x18) != 0 ? "drain" : "ready";

            // A server declared by host name is reported with its name (srv_fqdn) beside the address it resolved to.
            var host = fqdn >= 0 && values[fqdn] != "-" ? values[fqdn] : null;
            servers.Add(new HaproxyServer(values[backend], values[name], values[address], serverPort, userWeight, state, 0) { Host = host });
        }

        return servers;
    }

    /// <summary>
    /// The drifts of the running backends and servers from the declared ones, by path
    /// (<c>/backends/web/servers/web1/state</c>):
    /// <list type="bullet">
    /// <item>a declared backend the proxy does not run (it said so through <c>show backend</c>) is one
    /// <c>Missing</c> drift at <c>/backends/NAME</c>; a running backend the code does not declare is one
    /// <c>Added</c> drift there, when it has servers or the code is the whole <c>haproxy.cfg</c> (a YAML
    /// section leaves other backends without servers, such as a stats page, to the proxy's config). Both
    /// high, with no manager: the runtime API cannot add or remove backends, a reload did;</item>
    /// <item>in a backend both have: a server missing or added (high), another address or port (high),
    /// maintenance or drain (high), another weight (medium), each by the runtime API.</item>
    /// </list>
    /// </summary>
    public static IReadOnlyList<Drift> Compare(ResourceKey resource, HaproxyDeclared desired, HaproxyRuntime live, SourceLocation? source = null)
    {
        var drifts = new List<Drift>();
        var runningBackends = new HashSet<string>(live.Backends ?? live.Servers.Select(s => s.Backend), StringComparer.Ordinal);
        var declaredBackends = new HashSet<string>(desired.Backends.Select(b => b.Name), StringComparer.Ordinal);
        var absent = new HashSet<string>(StringComparer.Ordinal);
        if (live.Backends is not null)
        {
            foreach (var backend in desired.Backends.Where(b => !runningBackends.Contains(b.Name)))
            {
                absent.Add(backend.Name);
                drifts.Add(new Drift(resource, BackendPath(backend.Name), DriftKind.Missing, Severity.High,
                    DescribeBackend(desired.Servers.Where(s => s.Backend == backend.Name)), null, null, null, source?.AtLine(backend.Line)));
            }
        }

        var running = live.Servers.Where(s => declaredBackends.Contains(s.Backend)).ToDictionary(s => (s.Backend, s.Name));
        foreach (var want in desired.Servers.Where(s => !absent.Contains(s.Backend)))
        {
            var path = $"{BackendPath(want.Backend)}/servers/{Paths.PathStep.Escape(want.Name)}";
            var at = source?.AtLine(want.Line);
            if (!running.Remove((want.Backend, want.Name), out var have))
            {
                drifts.Add(new Drift(resource, path, DriftKind.Missing, Severity.High, Describe(want), null, null, null, at));
                continue;
            }

            // A server declared by host name runs at whatever the name resolves to: its name is what is compared.
            var runsAt = !IPAddress.TryParse(want.Address, out _) && have.Host is { } host ? host : have.Address;
            if (want.Address != runsAt || want.Port != have.Port)
            {
                drifts.Add(new Drift(resource, path + "/address", DriftKind.Modified, Severity.High,
                    ScalarNode.String($"{want.Address}:{want.Port}"), ScalarNode.String($"{runsAt}:{have.Port}"), RuntimeApi, null, at));
            }

            if (want.State != have.State)
            {
                drifts.Add(new Drift(resource, path + "/state", DriftKind.Modified, Severity.High, ScalarNode.String(want.State), ScalarNode.String(have.State), RuntimeApi, null, at));
            }

            if (want.Weight != have.Weight)
            {
                drifts.Add(new Drift(resource, path + "/weight", DriftKind.Modified, Severity.Medium, ScalarNode.Number(want.Weight), ScalarNode.Number(have.Weight), RuntimeApi, null, at));
            }
        }

        foreach (var extra in running.Values)
        {
            drifts.Add(new Drift(resource, $"{BackendPath(extra.Backend)}/servers/{Paths.PathStep.Escape(extra.Name)}",
                DriftKind.Added, Severity.High, null, Describe(extra), RuntimeApi, null, null));
        }

        foreach (var backend in runningBackends.Where(b => !declaredBackends.Contains(b)))
        {
            var servers = live.Servers.Where(s => s.Backend == backend).ToList();
            if (servers.Count > 0 || desired.Complete)
            {
                drifts.Add(new Drift(resource, BackendPath(backend), DriftKind.Added, Severity.High, null, DescribeBackend(servers), null, null, null));
            }
        }

        drifts.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return drifts;
    }

    private static string BackendPath(string backend) => $"/backends/{Paths.PathStep.Escape(backend)}";

    private static MapNode DescribeBackend(IEnumerable<HaproxyServer> servers)
    {
        var list = servers.ToList();
        return new MapNode(["servers"], [new MapNode([.. list.Select(s => s.Name)], [.. list.Select(s => (Node)Describe(s))], 0)], 0);
    }

    private static MapNode Describe(HaproxyServer server) => new(
        ["address", "weight", "state"],
        [ScalarNode.String($"{server.Address}:{server.Port}"), ScalarNode.Number(server.Weight), ScalarNode.String(server.State)],
        server.Line);

    private static bool TrySplitAddress(string text, out string address, out int port)
    {
        var colon = text.LastIndexOf(':');
        address = colon > 0 ? text[..colon] : text;
        port = 0;
        return colon > 0 && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port);
    }
}
