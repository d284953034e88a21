using System.Globalization;
using DriftFabric.Engine.Comparison;
using DriftFabric.Engine.Model;

namespace DriftFabric.Engine.Proxies;

/// <summary>What puts HAProxy's servers back as declared: runtime API commands planned from its drifts (no I/O: the remediator sends them).</summary>
public static class HaproxyRemedy
{
    /// <summary>
    /// The runtime API commands that put HAProxy's servers back as declared, one per drift it can
    /// undo (state, weight, address), and the drifts it cannot (a server missing or added: the
    /// runtime API does not add or remove configured servers).
    /// </summary>
    public static (List<string> Commands, List<Drift> Unfixable) Commands(IEnumerable<Drift> drifts)
    {
        var commands = new List<string>();
        var unfixable = new List<Drift>();
        foreach (var drift in drifts)
        {
            // /backends/<backend>/servers/<server>/<field>
            var parts = drift.Path.Split('/');
            if (parts.Length != 6 || drift.Desired is not ScalarNode desired)
            {
                unfixable.Add(drift);
                continue;
            }

            var server = $"{Paths.PathStep.Unescape(parts[2])}/{Paths.PathStep.Unescape(parts[4])}";
            switch (parts[5])
            {
                case "state":
                    commands.Add($"set server {server} state {desired.Text}");
                    break;
                case "weight":
                    commands.Add(string.Create(CultureInfo.InvariantCulture, $"set server {server} weight {desired.Text}"));
                    break;
                case "address" when desired.Text.LastIndexOf(':') is var colon and > 0:
                    commands.Add($"set server {server} addr {desired.Text[..colon]} port {desired.Text[(colon + 1)..]}");
                    break;
                default:
                    unfixable.Add(drift);
                    break;
            }
        }

        return (commands, unfixable);
    }
}
