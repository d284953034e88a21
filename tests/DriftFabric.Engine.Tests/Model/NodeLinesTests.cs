using System.Text.Json;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Engine.Tests.Model;

/// <summary>A document sent as compact JSON keeps the line of each of its fields beside it.</summary>
public sealed class NodeLinesTests
{
    private const string Yaml = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: cart
        spec:
          # a comment moves what follows down
          replicas: 2
          template:
            spec:
              containers:
                - name: cart
                  image: registry.example/cart:1.0
                  ports:
                    - containerPort: 8080
        """;

    private static MapNode Declared() => (MapNode)YamlReader.ReadSingle(Yaml)!;

    private static int LineOf(Node root, params object[] path)
    {
        var node = root;
        foreach (var step in path)
        {
            node = step is string key ? ((MapNode)node)[key]! : ((ListNode)node)[(int)step];
        }

        return node.Line;
    }

    private static readonly object[][] Fields =
    [
        ["spec", "replicas"],
        ["metadata", "name"],
        ["spec", "template", "spec", "containers", 0, "image"],
        ["spec", "template", "spec", "containers", 0, "ports", 0, "containerPort"],
    ];

    [Fact]
    public void Compact_json_read_with_its_lines_names_each_field_where_the_yaml_declared_it()
    {
        var declared = Declared();
        var json = declared.ToUtf8Json();
        var lines = NodeLines.Of(declared);

        var read = (MapNode)Assert.Single(JsonReader.ReadValues(json, lines));

        Assert.Equal([7, 4, 12, 14], Fields.Select(f => LineOf(read, f)));
        Assert.All(Fields, f => Assert.Equal(LineOf(declared, f), LineOf(read, f)));
    }

    [Fact]
    public void Compact_json_read_without_lines_puts_every_field_on_its_one_line()
    {
        var read = (MapNode)Assert.Single(JsonReader.ReadValues(Declared().ToUtf8Json()));

        Assert.All(Fields, f => Assert.Equal(1, LineOf(read, f)));
    }

    [Fact]
    public void A_json_element_read_with_its_lines_names_the_same_lines()
    {
        var declared = Declared();
        using var document = JsonDocument.Parse(declared.ToUtf8Json());

        var read = NodeLines.ToNode(document.RootElement, NodeLines.Of(declared));

        Assert.All(Fields, f => Assert.Equal(LineOf(declared, f), LineOf(read, f)));
    }

    [Fact]
    public void A_tree_read_from_json_has_no_lines_to_keep_and_lines_of_another_document_run_out_at_zero()
    {
        using var document = JsonDocument.Parse("""{"a":{"b":[1,2,3]}}""");
        Assert.Null(NodeLines.Of(JsonNodes.ToNode(document.RootElement)));

        var shorter = NodeLines.Of((MapNode)YamlReader.ReadSingle("a: 1")!);
        var read = NodeLines.ToNode(document.RootElement, shorter);
        Assert.Equal(0, LineOf(read, "a", "b", 2));
    }

    [Fact]
    public void Lines_that_go_back_up_are_kept()
    {
        var node = new MapNode(["z", "a"], [ScalarNode.Number(1, line: 900), ScalarNode.Number(2, line: 3)], 1);

        var read = (MapNode)Assert.Single(JsonReader.ReadValues(node.ToUtf8Json(), NodeLines.Of(node)));

        Assert.Equal([900, 3], new[] { read["z"]!.Line, read["a"]!.Line });
    }
}
