using System.Globalization;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Proxies;

/// <summary>One server of an HAProxy backend as declared or as running: where it sends traffic, its weight, its admin state.</summary>
public sealed record HaproxyServer(string Backend, string Name, string Address, int Port, int Weight, string State, int Line);

/// <summary>
/// HAProxy's backends: declared in the <c>haproxy.cfg</c> the IaC repo ships (<c>backend</c> sections
/// and their <c>server</c> lines), and running as the runtime API reports them (<c>show servers state</c>
/// over the stats socket). A server put into maintenance or drain, re-weighted or re-addressed by
/// hand through the runtime API is drift, with the runtime API named as the manager.
/// </summary>
public static class HaproxyComparer
{
    /// <summary>The manager of a change made on a running HAProxy.</summary>
    public const string RuntimeApi = "haproxy-runtime-api";

    /// <summary>
    /// The servers declared in <paramref name="source"/>: a YAML file (<c>.yaml</c>, <c>.yml</c>) of
    /// the IaC repo in the form <see cref="ParseYaml"/> reads, else the <c>haproxy.cfg</c> the repo ships.
    /// </summary>
    public static List<HaproxyServer> ParseDeclared(string text, string source, List<ManifestError> errors) =>
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
    public static List<HaproxyServer> ParseYaml(string text, string source, List<ManifestError> errors)
    {
        var servers = new List<HaproxyServer>();
        Node? root;
        try
        {
            root = Parsing.YamlReader.ReadSingle(text);
        }
        catch (Parsing.ParseException e)
        {
            errors.Add(new ManifestError(source, e.Line, e.Message));
            return servers;
        }

        if (root is not MapNode { } map || map["backends"] is not MapNode backends || map.Entries.Any(e => e.Key != "backends"))
        {
            errors.Add(new ManifestError(source, root?.Line ?? 0, "expected a mapping with one field, 'backends: { NAME: { servers: { NAME: { address: HOST:PORT, weight: N, state: ready|maint|drain } } } }'"));
            return servers;
        }

        foreach (var (backend, body) in backends.Entries)
        {
            if (body is not MapNode { } backendMap || backendMap["servers"] is not MapNode list || backendMap.Count != 1)
            {
                errors.Add(new ManifestError(source, body.Line, $"backends.{backend}: expected one field, 'servers', a mapping of server names"));
                continue;
            }

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

        return servers;
    }

    /// <summary>The servers a <c>haproxy.cfg</c> declares, and an error (naming the line) for each server line it cannot read.</summary>
    public static List<HaproxyServer> ParseConfig(string text, string source, List<ManifestError> errors)
    {
        var servers = new List<HaproxyServer>();
        string? backend = null;
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
            }
            else if (words[0] is "global" or "defaults" or "frontend" or "userlist" or "peers" or "resolvers" or "cache" or "program" or "mailers")
            {
                backend = null;
            }
            else if (words[0] == "server" && backend is not null)
            {
                if (words.Length < 3 || !TrySplitAddress(words[2], out var address, out var port))
                {
                    errors.Add(new ManifestError(source, i + 1, $"backend {backend}: 'server' needs a name and an address:port"));
                    continue;
                }

                var weight = 1;
                var weightAt = Array.IndexOf(words, "weight");
                if (weightAt > 0 && (weightAt + 1 >= words.Length || !int.TryParse(words[weightAt + 1], NumberStyles.None, CultureInfo.InvariantCulture, out weight)))
                {
                    errors.Add(new ManifestError(source, i + 1, $"backend {backend}: server {words[1]}: weight is not a number"));
                    continue;
                }

                servers.Add(new HaproxyServer(backend, words[1], address, port, weight, words.Contains("disabled") ? "maint" : "ready", i + 1));
            }
        }

        return servers;
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
        int backend = Column("be_name"), name = Column("srv_name"), address = Column("srv_addr"), admin = Column("srv_admin_state"), weight = Column("srv_uweight"), port = Column("srv_port");
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

            // Admin state bits: 0x01 forced, 0x02 inherited, 0x04 config maintenance; 0x08 forced, 0x10 inherited drain.
            var state = (adminState & 0x07) != 0 ? "maint" : (adminState & 0x18) != 0 ? "drain" : "ready";
            servers.Add(new HaproxyServer(values[backend], values[name], values[address], serverPort, userWeight, state, 0));
        }

        return servers;
    }

    /// <summary>
    /// The drifts of the running servers from the declared ones, by path
    /// (<c>/backends/web/servers/web1/state</c>): a server missing or added (high), another address
    /// or port (high), maintenance or drain (high), another weight (medium). Backends the config
    /// does not declare are left alone unless they have servers.
    /// </summary>
    public static IReadOnlyList<Drift> Compare(ResourceKey resource, IReadOnlyList<HaproxyServer> desired, IReadOnlyList<HaproxyServer> live, SourceLocation? source = null)
    {
        var drifts = new List<Drift>();
        var running = live.ToDictionary(s => (s.Backend, s.Name));
        foreach (var want in desired)
        {
            var path = $"/backends/{Paths.PathStep.Escape(want.Backend)}/servers/{Paths.PathStep.Escape(want.Name)}";
            var at = source?.AtLine(want.Line);
            if (!running.Remove((want.Backend, want.Name), out var have))
            {
                drifts.Add(new Drift(resource, path, DriftKind.Missing, Severity.High, Describe(want), null, null, null, at));
                continue;
            }

            if (want.Address != have.Address || want.Port != have.Port)
            {
                drifts.Add(new Drift(resource, path + "/address", DriftKind.Modified, Severity.High,
                    ScalarNode.String($"{want.Address}:{want.Port}"), ScalarNode.String($"{have.Address}:{have.Port}"), RuntimeApi, null, at));
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
            drifts.Add(new Drift(resource, $"/backends/{Paths.PathStep.Escape(extra.Backend)}/servers/{Paths.PathStep.Escape(extra.Name)}",
                DriftKind.Added, Severity.High, null, Describe(extra), RuntimeApi, null, null));
        }

        drifts.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return drifts;
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
