using System.Text;
using DriftFabric.Engine.Manifests;

namespace DriftFabric.Benchmarks;

/// <summary>
/// A realistic workload: Online Boutique (desired as published, live as a cluster returns it,
/// with managedFields and a night of hand-made changes), copied into as many namespaces as asked.
/// </summary>
public sealed class Workload
{
    private Workload(byte[] desiredYaml, byte[] liveJson, int copies)
    {
        DesiredYaml = desiredYaml;
        LiveJson = liveJson;
        Copies = copies;
        var desired = new ManifestSet();
        ManifestLoader.LoadBytesInto("desired.yaml", desiredYaml, desired);
        var live = new ManifestSet();
        ManifestLoader.LoadBytesInto("live.json", liveJson, live);
        if (desired.Errors.Count + live.Errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", desired.Errors.Concat(live.Errors)));
        }

        Desired = desired.Manifests;
        Live = live.Manifests;
    }

    public byte[] DesiredYaml { get; }

    public byte[] LiveJson { get; }

    public int Copies { get; }

    public IReadOnlyList<Manifest> Desired { get; }

    public IReadOnlyList<Manifest> Live { get; }

    /// <summary>The incident case copied into <paramref name="copies"/> namespaces (<c>ns-0</c>, <c>ns-1</c>, ...).</summary>
    public static Workload Create(int copies)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "corpus", "r02");
        var desiredText = File.ReadAllText(Path.Combine(dir, "desired.yaml"));
        var liveText = File.ReadAllText(Path.Combine(dir, "live.json"));

        // Desired objects name no namespace (they land in "default"); live ones say "default".
        var desired = new StringBuilder();
        var live = new StringBuilder();
        for (var i = 0; i < copies; i++)
        {
            var ns = $"ns-{i}";
            desired.Append(desiredText.Replace("\nmetadata:\n", $"\nmetadata:\n  namespace: {ns}\n", StringComparison.Ordinal)).Append("\n---\n");
            live.Append(liveText.Replace("\"namespace\": \"default\"", $"\"namespace\": \"{ns}\"", StringComparison.Ordinal)).Append('\n');
        }

        return new Workload(Encoding.UTF8.GetBytes(desired.ToString()), Encoding.UTF8.GetBytes(live.ToString()), copies);
    }
}
