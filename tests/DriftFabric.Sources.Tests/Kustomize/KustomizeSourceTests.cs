using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Model;
using DriftFabric.Sources.Files;
using DriftFabric.Sources.Kustomize;

namespace DriftFabric.Sources.Tests.Kustomize;

/// <summary>A directory holding a kustomization, read through the path source: rendered by the real kubectl, fingerprinted without it.</summary>
public sealed class KustomizeSourceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Online_Boutique_is_rendered_and_each_object_named_by_the_file_it_came_from()
    {
        using var read = new PathSource(KustomizeLayouts.OnlineBoutique).Read();

        Assert.Empty(read.Errors);
        Assert.Equal(12, read.Manifests.Count(m => m.Kind == "Deployment"));
        var frontend = read.Manifests.Single(m => m.Kind == "Deployment" && m.Name == "frontend");
        Assert.Equal(Path.Combine(KustomizeLayouts.OnlineBoutique, "base", "frontend.yaml"), frontend.Location.Source);
        Assert.Equal(0, frontend.Location.Line);
        // The origin annotation was asked for by us, not declared by the code.
        Assert.DoesNotContain(read.Manifests, m => m.Root.GetMap("metadata")?.GetMap("annotations")?["config.kubernetes.io/origin"] is not null);
    }

    [Fact]
    public void An_overlay_of_the_project_turning_components_on_renders_what_they_add()
    {
        var overlay = Path.Combine(KustomizeLayouts.OnlineBoutique, "tests", "service-mesh-istio-with-all-components");

        using var read = new PathSource(overlay).Read();

        Assert.Empty(read.Errors);
        Assert.Equal(13, read.Manifests.Count(m => m.Kind == "NetworkPolicy"));
        Assert.Contains(read.Manifests, m => m.Kind == "VirtualService" && m.Name == "frontend");
        var policy = read.Manifests.First(m => m.Kind == "NetworkPolicy");
        Assert.Contains(Path.Combine("components", "network-policies"), policy.Location.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void An_overlay_outside_the_layout_with_a_component_and_a_patch_changes_images_and_replicas()
    {
        KustomizeLayouts.CopyOnlineBoutique(_dir, "layout");
        _dir.Write("overlays/prod/kustomization.yaml", KustomizeLayouts.Overlay(
            ["../../layout/base"],
            ["../../layout/components/container-images-tag"],
            "patches:\n- target: {kind: Deployment, name: frontend}\n  patch: |-\n    - op: add\n      path: /spec/replicas\n      value: 5\n"));

        using var read = new PathSource(_dir.PathOf("overlays/prod")).Read();

        Assert.Empty(read.Errors);
        var frontend = read.Manifests.Single(m => m.Kind == "Deployment" && m.Name == "frontend");
        Assert.Equal("5", Scalar(frontend.Root, "spec", "replicas"));
        var container = (MapNode)((ListNode)((MapNode)((MapNode)frontend.Root.GetMap("spec")!["template"]!)["spec"]!)["containers"]!)[0];
        Assert.EndsWith("frontend:CONTAINER_IMAGES_TAG", container.GetString("image"), StringComparison.Ordinal);
        Assert.Equal(_dir.PathOf("layout/base/frontend.yaml"), frontend.Location.Source);
    }

    [Fact]
    public void The_fingerprint_moves_with_a_file_of_a_base_outside_the_directory_and_takes_no_render()
    {
        KustomizeLayouts.CopyOnlineBoutique(_dir, "layout");
        _dir.Write("overlays/prod/kustomization.yaml", KustomizeLayouts.Overlay(["../../layout/base"], []));
        _dir.Write("unrelated/notes.yaml", "a: 1\n");
        // No kubectl at all: a fingerprint that rendered would fail to move or throw.
        var source = new PathSource([_dir.PathOf("overlays/prod")], kustomize: new KustomizeRenderer(KustomizeOptions.Default with { Kubectl = _dir.PathOf("no-kubectl") }, TimeProvider.System));

        var before = source.Fingerprint();
        _dir.Write("unrelated/notes.yaml", "a: 2\n");
        var afterUnrelated = source.Fingerprint();
        File.AppendAllText(_dir.PathOf("layout/base/cartservice.yaml"), "# edited\n");
        var afterBase = source.Fingerprint();

        Assert.Equal(before, afterUnrelated);
        Assert.NotEqual(before, afterBase);
    }

    [Fact]
    public void The_fingerprint_moves_with_a_generator_input_and_when_a_missing_resource_arrives()
    {
        _dir.Write("app/kustomization.yaml", "resources: [cfg.yaml, later.yaml]\nconfigMapGenerator:\n- name: settings\n  files: [app.conf=conf/app.properties]\n");
        _dir.Write("app/cfg.yaml", Objects.DesiredConfigMap("cfg", "shop", "web"));
        _dir.Write("app/conf/app.properties", "level=info\n");
        var source = new PathSource(_dir.PathOf("app"));

        var before = source.Fingerprint();
        _dir.Write("app/conf/app.properties", "level=debug\n");
        var afterInput = source.Fingerprint();
        _dir.Write("app/later.yaml", Objects.DesiredConfigMap("later", "shop", "web"));
        var afterArrival = source.Fingerprint();

        Assert.NotEqual(before, afterInput);
        Assert.NotEqual(afterInput, afterArrival);
    }

    [Fact]
    public void A_kustomization_that_fails_to_render_is_one_error_naming_its_directory_and_the_rest_is_read()
    {
        _dir.Write("broken/kustomization.yaml", "resources: [deployment.yaml, missing-service.yaml]\n");
        _dir.Write("broken/deployment.yaml", Objects.DesiredDeployment("web", "shop", 2, "web:1"));
        _dir.Write("plain/cfg.yaml", Objects.DesiredConfigMap("cfg", "shop", "web"));

        using var read = new PathSource([_dir.PathOf("broken"), _dir.PathOf("plain")]).Read();

        var error = Assert.Single(read.Errors);
        Assert.Equal(_dir.PathOf("broken"), error.Source);
        Assert.Contains("kubectl kustomize failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("missing-service.yaml", error.Message, StringComparison.Ordinal);
        // Nothing of the kustomization DriftFabric wraps the user's in (to ask for origins) shows.
        Assert.DoesNotContain("driftfabric-kustomize-", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("recursed accumulation", error.Message, StringComparison.Ordinal);
        Assert.Equal("cfg", Assert.Single(read.Manifests).Name);
    }

    [Fact]
    public void A_render_of_50_MB_is_an_error_naming_the_kustomization_and_not_held_in_memory()
    {
        var big = _dir.PathOf("big/payload.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(big)!);
        using (var file = File.Create(big))
        {
            var line = new byte[1 << 20];
            Array.Fill(line, (byte)'x');
            for (var i = 0; i < 50; i++)
            {
                file.Write(line);
            }
        }

        _dir.Write("big/kustomization.yaml", "configMapGenerator:\n- name: payload\n  files: [payload.txt]\n");

        using var read = new PathSource(_dir.PathOf("big")).Read();

        var error = Assert.Single(read.Errors);
        Assert.Equal(_dir.PathOf("big"), error.Source);
        Assert.Contains("more than the 32 MiB limit", error.Message, StringComparison.Ordinal);
        Assert.Empty(read.Manifests);
    }

    [Fact]
    public void Without_kubectl_the_error_says_to_install_it()
    {
        _dir.Write("app/kustomization.yaml", "resources: [cfg.yaml]\n");
        _dir.Write("app/cfg.yaml", Objects.DesiredConfigMap("cfg", "shop", "web"));
        var renderer = new KustomizeRenderer(KustomizeOptions.Default with { Kubectl = _dir.PathOf("no-kubectl") }, TimeProvider.System);

        using var read = new PathSource([_dir.PathOf("app")], kustomize: renderer).Read();

        var error = Assert.Single(read.Errors);
        Assert.Equal(_dir.PathOf("app"), error.Source);
        Assert.Contains("install kubectl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_render_that_hangs_is_stopped_at_the_timeout_and_is_an_error_naming_the_kustomization()
    {
        _dir.Write("app/kustomization.yaml", "resources: [cfg.yaml]\n");
        // A kubectl that never answers (a remote base behind a dead server looks the same).
        var hanging = _dir.Write("bin/kubectl", "#!/bin/sh\nexec sleep 600\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(hanging, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        var renderer = new KustomizeRenderer(KustomizeOptions.Default with { Kubectl = hanging, Timeout = TimeSpan.FromMilliseconds(300) }, TimeProvider.System);

        using var read = new PathSource([_dir.PathOf("app")], kustomize: renderer).Read();

        var error = Assert.Single(read.Errors);
        Assert.Equal(_dir.PathOf("app"), error.Source);
        Assert.Contains("took longer than 0.3 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void In_a_tree_the_topmost_kustomizations_are_rendered_components_left_out_and_the_rest_read_as_plain_files()
    {
        _dir.Write("tree/plain/cfg.yaml", Objects.DesiredConfigMap("plain", "shop", "web"));
        _dir.Write("tree/app/kustomization.yaml", "resources: [base/cfg.yaml]\nnamePrefix: app-\n");
        _dir.Write("tree/app/base/cfg.yaml", Objects.DesiredConfigMap("cfg", "shop", "web"));
        _dir.Write("tree/app/base/kustomization.yaml", "resources: [cfg.yaml]\n");
        _dir.Write("tree/component/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [extra.yaml]\n");
        _dir.Write("tree/component/extra.yaml", Objects.DesiredConfigMap("extra", "shop", "web"));

        var plan = Kustomization.Plan(_dir.PathOf("tree"));
        using var read = new PathSource(_dir.PathOf("tree")).Read();

        Assert.Equal([_dir.PathOf("tree/app")], plan.Rendered);
        Assert.Equal([_dir.PathOf("tree/plain/cfg.yaml")], plan.Plain);
        Assert.Empty(read.Errors);
        Assert.Equal(["app-cfg", "plain"], read.Manifests.Select(m => m.Name).Order());
    }

    private static string? Scalar(MapNode root, params string[] path)
    {
        Node? node = root;
        foreach (var key in path)
        {
            node = (node as MapNode)?[key];
        }

        return (node as ScalarNode)?.Text;
    }
}
