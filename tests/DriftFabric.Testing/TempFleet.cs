namespace DriftFabric.Testing;

/// <summary>A fleet on disk for one test: a spec, and per cluster a desired folder and a live snapshot.</summary>
public sealed class TempFleet : IDisposable
{
    private readonly TempDirectory _dir = new("driftfabric-fleet-");

    public string Root => _dir.Root;

    public string SpecPath => Path.Combine(Root, "driftfabric.yaml");

    /// <summary>A copy of deploy/examples (two tenants, three clusters), as the test project copies it to its output folder under <c>examples</c>.</summary>
    public static TempFleet FromExamples()
    {
        var fleet = new TempFleet();
        var source = Path.Combine(AppContext.BaseDirectory, "examples");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(fleet.Root, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return fleet;
    }

    /// <summary>A one-tenant, one-cluster fleet; sources are written with <see cref="Write"/>.</summary>
    public static TempFleet Single(string tenant, string cluster = "prod", string extraSpec = "")
    {
        var fleet = new TempFleet();
        fleet.Write("desired/app.yaml", string.Empty);
        fleet.Write("live.json", "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[]}");
        fleet.Write("driftfabric.yaml", $"""
            apiVersion: driftfabric.io/v1alpha1
            kind: Fleet
            {extraSpec}
            tenants:
            - name: {tenant}
              clusters:
              - name: {cluster}
                desired: desired
                live: {"{"} snapshot: live.json {"}"}
                pollInterval: 10m
            """);
        return fleet;
    }

    /// <summary>Has the (single) cluster watch an API server instead of reading a snapshot: its kubeconfig goes to <c>kube.yaml</c>.</summary>
    public void WatchLive(string kubeConfig)
    {
        Write("kube.yaml", kubeConfig);
        Write("driftfabric.yaml", Read("driftfabric.yaml").Replace("live: { snapshot: live.json }", "live: { kubeconfig: kube.yaml, context: test }", StringComparison.Ordinal));
    }

    public void Write(string relative, string text) => _dir.Write(relative, text);

    public string Read(string relative) => _dir.Read(relative);

    public void Dispose() => _dir.Dispose();
}
