using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Engine.Tests.Parsing;

public class YamlReaderTests
{
    private static MapNode Map(string yaml) => Assert.IsType<MapNode>(YamlReader.ReadSingle(yaml));

    [Theory]
    [InlineData("0644", "420")]
    [InlineData("0x1F", "31")]
    [InlineData("1_000", "1000")]
    [InlineData("3.0", "3")]
    [InlineData("1e3", "1000")]
    [InlineData("yes", "true")]
    [InlineData("Off", "false")]
    [InlineData("~", "null")]
    [InlineData("'0644'", "\"0644\"")]
    [InlineData("\"true\"", "\"true\"")]
    [InlineData("!!str 42", "\"42\"")]
    [InlineData("1.2.3", "\"1.2.3\"")]
    [InlineData("250m", "\"250m\"")]
    public void Plain_scalars_resolve_as_kubectl_resolves_them(string yaml, string json)
    {
        Assert.Equal(json, Map("v: " + yaml)["v"]!.ToJson());
    }

    [Fact]
    public void Documents_are_read_on_their_own_with_their_lines()
    {
        var docs = YamlReader.ReadDocuments("# header\n---\na: 1\n---\nb: [\n---\nc: 3\n");

        Assert.Equal(3, docs.Count);
        Assert.Equal(3, docs[0].Line);
        Assert.NotNull(docs[1].Error);
        Assert.Equal(5, docs[1].Error!.Line);
        Assert.Equal("{\"c\":3}", docs[2].Root!.ToJson());
        Assert.Equal(7, docs[2].Line);
    }

    [Fact]
    public void Node_lines_are_lines_of_the_file()
    {
        var map = Map("a:\n  b: 1\n  c:\n  - x\n");
        var a = Assert.IsType<MapNode>(map["a"]);
        Assert.Equal(2, a["b"]!.Line);
        Assert.Equal(4, Assert.IsType<ListNode>(a["c"])[0].Line);
    }

    [Fact]
    public void Anchors_aliases_and_merge_keys_are_expanded()
    {
        var map = Map("base: &b {cpu: 1, mem: 2}\nx:\n  <<: *b\n  mem: 3\ny: *b\n");
        Assert.Equal("{\"mem\":3,\"cpu\":1}", map["x"]!.ToJson());
        Assert.Equal("{\"cpu\":1,\"mem\":2}", map["y"]!.ToJson());
    }

    [Fact]
    public void Duplicate_keys_are_refused_at_the_line_of_the_duplicate()
    {
        var error = Assert.Throws<ParseException>(() => YamlReader.ReadSingle("metadata:\n  name: a\n  labels: {}\n  name: b\n"));
        Assert.Equal(4, error.Line);
        Assert.Contains("duplicate key 'name'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Syntax_errors_name_the_line_without_parser_internals()
    {
        var error = Assert.Throws<ParseException>(() => YamlReader.ReadSingle("a: 1\nb: c: d\n"));
        Assert.Equal(2, error.Line);
        Assert.DoesNotContain("Idx:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Comment_only_and_empty_documents_yield_nothing()
    {
        Assert.Empty(YamlReader.ReadDocuments("# nothing here\n---\n---\n"));
    }
}
