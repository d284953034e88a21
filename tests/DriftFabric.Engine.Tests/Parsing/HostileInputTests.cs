using System.Text;
using DriftFabric.Engine.Manifests;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Engine.Tests.Parsing;

/// <summary>Hostile input is refused with a clear error; it never expands, recurses or allocates without bound.</summary>
public class HostileInputTests
{
    private static string AliasBomb(int levels, int fanOut)
    {
        var sb = new StringBuilder("a0: &a0 [\"lol\"]\n");
        for (var level = 1; level <= levels; level++)
        {
            sb.Append($"a{level}: &a{level} [");
            sb.Append(string.Join(", ", Enumerable.Repeat($"*a{level - 1}", fanOut)));
            sb.Append("]\n");
        }

        return sb.ToString();
    }

    [Fact]
    public void Alias_bomb_is_refused_without_being_expanded()
    {
        // Ten levels of ten aliases would be 10^10 nodes.
        var error = Assert.Throws<ParseException>(() => YamlReader.ReadSingle(AliasBomb(10, 10)));
        Assert.Contains("alias bomb", error.Message, StringComparison.Ordinal);
        Assert.True(error.Line > 1);
    }

    [Fact]
    public void Modest_aliasing_is_still_allowed()
    {
        Assert.NotNull(YamlReader.ReadSingle(AliasBomb(3, 10)));
    }

    [Theory]
    [InlineData("[", "]")]
    [InlineData("{a: ", "}")]
    public void Deep_nesting_is_refused(string open, string close)
    {
        var yaml = "x: " + string.Concat(Enumerable.Repeat(open, 5000)) + "1" + string.Concat(Enumerable.Repeat(close, 5000));
        var error = Assert.Throws<ParseException>(() => YamlReader.ReadSingle(yaml));
        Assert.Contains("nesting is deeper than 100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_block_nesting_is_refused()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < 500; i++)
        {
            sb.Append(' ', i).Append("k:\n");
        }

        Assert.Throws<ParseException>(() => YamlReader.ReadSingle(sb.ToString()));
    }

    [Fact]
    public void Huge_scalar_is_refused()
    {
        var limits = new ParseLimits { MaxScalarBytes = 1024 };
        var error = Assert.Throws<ParseException>(() => YamlReader.ReadSingle("data: " + new string('x', 5000), limits));
        Assert.Contains("scalar", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_document_is_refused_and_the_next_document_still_read()
    {
        var limits = new ParseLimits { MaxYamlDocumentBytes = 64 << 10 };
        var big = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  blob: " + new string('x', 100 << 10) + "\n";
        var docs = YamlReader.ReadDocuments(big + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: small}\n", limits);

        Assert.Equal(2, docs.Count);
        Assert.Contains("over the 64 KiB limit", docs[0].Error!.Message, StringComparison.Ordinal);
        Assert.NotNull(docs[1].Root);
    }

    [Fact]
    public void Fifty_megabyte_document_is_an_error_naming_the_file_and_others_are_still_read()
    {
        using var dir = new TempDirectory();
        var big = Path.Combine(dir.Root, "big.yaml");
        using (var writer = new StreamWriter(big))
        {
            writer.Write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  blob: ");
            var chunk = new string('x', 1 << 20);
            for (var i = 0; i < 50; i++)
            {
                writer.Write(chunk);
            }
        }

        dir.Write("ok.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n");

        var set = ManifestLoader.LoadPath(dir.Root);

        var error = Assert.Single(set.Errors);
        Assert.Equal(big, error.Source);
        Assert.Equal(1, error.Line);
        Assert.Contains("limit", error.Message, StringComparison.Ordinal);
        Assert.Equal("ok", Assert.Single(set.Manifests).Name);
    }

    [Fact]
    public void Json_object_over_the_object_limit_is_refused_with_its_line()
    {
        var limits = new ParseLimits { MaxObjectBytes = 1024 };
        var json = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\n{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"a\"}},\n{\"kind\":\"ConfigMap\",\"data\":{\"x\":\"" + new string('x', 4096) + "\"}}]}";

        var error = Assert.Throws<ParseException>(() => JsonReader.ReadValues(Encoding.UTF8.GetBytes(json), limits));
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Deeply_nested_json_is_refused()
    {
        var json = string.Concat(Enumerable.Repeat("[", 10_000)) + string.Concat(Enumerable.Repeat("]", 10_000));
        Assert.Throws<ParseException>(() => JsonReader.ReadValues(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Duplicate_json_keys_are_refused()
    {
        var error = Assert.Throws<ParseException>(() => JsonReader.ReadValues("{\n\"a\": 1,\n\"a\": 2}"u8));
        Assert.Equal(3, error.Line);
    }
}
