using DriftFabric.Engine.Manifests;

namespace DriftFabric.Engine.Tests.Manifests;

public sealed class ManifestLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string relative, string text) => _dir.Write(relative, text);

    [Fact]
    public void Directories_are_read_recursively_skipping_hidden_folders_and_other_files()
    {
        Write("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n");
        Write("sub/b.yml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n");
        Write("sub/c.json", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}");
        Write(".git/config.yaml", "not: [valid");
        Write("notes.txt", "ignored");

        var set = ManifestLoader.LoadPath(_dir.Root);

        Assert.Empty(set.Errors);
        Assert.Equal(["a", "b", "c"], set.Manifests.Select(m => m.Name));
    }

    [Fact]
    public void A_large_yaml_file_with_multibyte_text_reads_every_document_whole()
    {
        // Over the shared pool's size, decoded into a buffer of exactly its characters.
        var text = string.Concat(Enumerable.Range(0, 2000).Select(i => $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{i}}}\ndata: {{greeting: \"grüße, ça va? {new string('é', 100)}\"}}\n---\n"));
        Write("big.yaml", text);

        using var set = ManifestLoader.LoadPath(_dir.Root);

        Assert.Empty(set.Errors);
        Assert.Equal(2000, set.Manifests.Count);
        Assert.Equal($"grüße, ça va? {new string('é', 100)}", set.Manifests[^1].Root.GetMap("data")!.GetString("greeting"));
    }

    [Fact]
    public void Lists_in_yaml_and_json_are_unpacked_with_item_lines()
    {
        var json = Write("live.json", "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\n{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}},\n{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"y\"}}]}");
        var yaml = Write("desired.yaml", "apiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: z}\n");

        var fromJson = ManifestLoader.LoadPath(json);
        var fromYaml = ManifestLoader.LoadPath(yaml);

        Assert.Equal([("ConfigMap", 2), ("Service", 3)], fromJson.Manifests.Select(m => (m.Kind, m.Location.Line)));
        Assert.Equal(4, Assert.Single(fromYaml.Manifests).Location.Line);
    }

    [Fact]
    public void Bad_document_is_an_error_with_file_and_line_and_the_rest_of_the_file_is_read()
    {
        var path = Write("app.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [b\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");

        var set = ManifestLoader.LoadPath(path);

        var error = Assert.Single(set.Errors);
        Assert.Equal(path, error.Source);
        Assert.InRange(error.Line, 8, 9);
        Assert.Equal(["a", "c"], set.Manifests.Select(m => m.Name));
    }

    [Theory]
    [InlineData("kind: ConfigMap\nmetadata: {name: a}\n", "'apiVersion' and 'kind' are required")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: a-}\n", "generateName")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\n", "'metadata.name' is required")]
    [InlineData("just a string\n", "scalar")]
    public void Documents_that_are_not_trackable_objects_are_errors(string yaml, string message)
    {
        var set = ManifestLoader.LoadPath(Write("x.yaml", yaml));
        Assert.Contains(message, Assert.Single(set.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tool_configuration_is_not_a_cluster_object()
    {
        var set = ManifestLoader.LoadPath(Write("kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n"));
        Assert.Empty(set.Errors);
        Assert.Empty(set.Manifests);
    }

    [Fact]
    public void Missing_path_is_an_error_naming_it()
    {
        var missing = Path.Combine(_dir.Root, "nope");
        Assert.Equal(missing, Assert.Single(ManifestLoader.LoadPath(missing).Errors).Source);
    }

    [Fact]
    public void Json_objects_are_read_in_place_as_the_same_objects_the_trees_hold()
    {
        // Pretty-printed, a List and a plain object one after the other, a tool document skipped.
        var text = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": [\n    {\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\",\n     \"metadata\": {\"name\": \"x\", \"namespace\": \"a\"}, \"data\": {\"k\": \"<v>&\u00e9\"}}\n  ]\n}\n"
            + "{\"apiVersion\": \"kustomize.config.k8s.io/v1beta1\", \"kind\": \"Kustomization\"}\n"
            + "{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"y\"}, \"spec\": {\"replicas\": 1.50}}\n";
        using var set = ManifestLoader.LoadPath(Write("live.json", text));

        Assert.Empty(set.Errors);
        Assert.Equal([("ConfigMap", "x", 5), ("Deployment", "y", 10)], set.Manifests.Select(m => (m.Kind, m.Name, m.Location.Line)));
        var configMap = set.Manifests[0];
        Assert.Equal("a", configMap.Namespace);
        Assert.Equal(configMap.Root.ToUtf8Json(), configMap.ToUtf8Json());
        Assert.Equal("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"namespace\":\"a\"},\"data\":{\"k\":\"<v>&é\"}}", System.Text.Encoding.UTF8.GetString(configMap.ToUtf8Json()));
    }

    [Theory]
    [InlineData("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"name\":\"b\"}}", "duplicate key 'name'")]
    [InlineData("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{}}", "'metadata.name' is required")]
    [InlineData("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[1]}", "scalar")]
    [InlineData("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":{\"a\":1}}", "must be a list")]
    [InlineData("[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}, 7]", "scalar")]
    [InlineData("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}", "")]
    public void Json_that_is_not_a_plain_list_of_objects_is_read_as_before_with_its_errors(string json, string message)
    {
        using var set = ManifestLoader.LoadPath(Write("live.json", json));

        Assert.Contains(message, Assert.Single(set.Errors).Message, StringComparison.Ordinal);
    }
}
