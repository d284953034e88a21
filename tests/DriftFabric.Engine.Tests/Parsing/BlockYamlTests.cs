using System.Text;
using DriftFabric.Engine.Model;
using DriftFabric.Engine.Parsing;

namespace DriftFabric.Engine.Tests.Parsing;

/// <summary>
/// The fast block-style reader must build exactly what YamlDotNet builds (values, kinds, key
/// order, lines) or step aside: every input is read both ways and compared.
/// </summary>
public class BlockYamlTests
{
    /// <summary>Inputs at the edges of what the fast reader takes: each is read both ways.</summary>
    public static TheoryData<string> Edges() =>
    [
        "a:\nb: 1\n", "a:   # c\n  b: 1\n", "a: |\n  x\n  y\n\nb: 2\n", "a: |-\n  x\n\n  y\n\n\nb: 2\n", "a: |+\n  x\n\n\nb: 2\n",
        "a: |\n\n  x\n", "a: |\nb: 1\n", "a: |\n    x\n  y\n", "- |\n  x\n- y\n", "a:\n- x\n-\n- - y\n", "a: [x, \"y\", 'z', 1, true]\n",
        "a: []\nb: {}\n", "a: [ ]\n", "a: [x,]\n", "a: \"x\\ty\\u0041\\\"\"\n", "a: 'it''s'\n", "'a b': 1\n\"c\": 2\n", "a: b # c\nd: e#f\n",
        "a: b: c\n", "a: b:\n", "a: -1\nb: - 1\n", "a:\n  - x\n  - y\nb: 1\n", "- a: 1\n  b: 2\n- c: 3\n", "-   a: 1\n    b: 2\n",
        "a:\n  b:\n    c:\n", "a: 1\n  b: 2\n", "a:\n    x\n", "a:\n  x\n  y\n", "a: x\n  y\n", "--- \na: 1\n", "---\n# only\n", "# c\n\na: 1\n",
        "a: 1\na: 2\n", "<<: {a: 1}\n", "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: >\n  x\n", "? a\n: b\n", "a: yes\nb: 0644\nc: 1e3\nd: null\ne: ~\nf: ''\n",
        "a:\n-\n  b: 1\n", "a: |2\n   x\n", "a: |\n  x\n   y\n  z\n", "a: |\n  x\n \n  y\n", "a: |\n  x\n    \n  y\n", "a: |\n  # not a comment\n  x\n",
        "key with spaces: v\n", "a : b\n", "a: \"unterminated\n  x\"\n", "a: 'multi\n  line'\n", "- x\n  y\n", "-\n-\n", "a:\n- b: |\n    t\n  c: 2\n",
        "a: [x, [y]]\n", "a: {b: c}\n", "a: '#'\n", "a: x  \nb: y\n", "a:\n\n\n  b: 1\n", "a: http://x:80/y\n", "a: 'x' # c\n", "a: 'x'# c\n",
        "a: |  # c\n  t\n", "a: |x\n  t\n", "a: |-\n", "a: |+\n\n", "a: |\n  x", "a: |+\n  x\n\n  ", "a: |\n  \n  y\n", "a *a: b\n", "a:\n     |-\n #\n",
        "x\n", "- a\nb: 1\n", "a:\n  - b\n  c: 1\n", "a: b\n- c\n", "a:\n  b: 1\n c: 2\n", "a: @x\n", "a: x,y\n", "a:\tb\n", "a: b\r\nc: d\r\n",
        "a: |\n{  x\n  y\n", "a:\n  [x\n\n  y\n",
    ];

    [Theory]
    [MemberData(nameof(Edges))]
    public void Edge_inputs_read_the_same_both_ways(string yaml) => AssertSame(yaml);

    [Fact]
    public void Manifests_in_the_repository_read_the_same_both_ways_and_take_the_fast_path()
    {
        var files = Directory.EnumerateFiles(AppContext.BaseDirectory, "*.yaml", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(files);
        var fast = 0;
        var documents = 0;
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            AssertSame(text);
            foreach (var part in text.Split("\n---\n"))
            {
                documents++;
                fast += BlockYaml.TryParse(part, 0, ParseLimits.Default, out _) ? 1 : 0;
            }
        }

        // Block-style manifests are what this reader is for; only a few documents (flow maps in a fleet spec) are left to YamlDotNet.
        Assert.True(fast >= documents * 9 / 10, $"{fast} of {documents} documents read by the fast reader");
    }

    [Fact]
    public void Damaged_manifests_read_the_same_both_ways()
    {
        // Mutations of real manifests (seeded, so a failure repeats): spaces, breaks, indicators and indentation changed at random.
        var seeds = Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "corpus"), "desired.yaml", SearchOption.AllDirectories)
            .SelectMany(f => File.ReadAllText(f).Split("\n---\n")).Where(s => s.Length < 4000).Take(40).ToList();
        Assert.NotEmpty(seeds);
        var random = new Random(5);
        string[] inserts = [" ", "  ", "\n", ":", ": ", "- ", "#", " #", "|", "|-", "|+", "\"", "'", "[", "]", "{", "}", ",", "\n  ", "\n- ", "\n\n", "&a ", "*a", "!", ">", "\\n"];
        foreach (var seed in seeds)
        {
            for (var i = 0; i < 150; i++)
            {
                var text = new StringBuilder(seed);
                for (var k = 1 + random.Next(3); k > 0; k--)
                {
                    var at = random.Next(text.Length + 1);
                    if (random.Next(3) == 0 && at < text.Length)
                    {
                        text.Remove(at, Math.Min(1 + random.Next(3), text.Length - at));
                    }
                    else
                    {
                        text.Insert(at, inserts[random.Next(inserts.Length)]);
                    }
                }

                AssertSame(text.ToString());
            }
        }
    }

    [Fact]
    public void A_flow_collection_that_never_closes_is_an_error_with_a_line_not_a_crash()
    {
        var docs = YamlReader.ReadDocuments("a: 1\n---\na:\n  [x\n\n  y\n");

        Assert.Equal(2, docs.Count);
        Assert.NotNull(docs[0].Root);
        Assert.NotNull(docs[1].Error);
        Assert.InRange(docs[1].Error!.Line, 3, 6);
    }

    private static void AssertSame(string yaml)
    {
        var fast = YamlReader.ReadDocuments(yaml, ParseLimits.Default, fast: true);
        var full = YamlReader.ReadDocuments(yaml, ParseLimits.Default, fast: false);
        Assert.Equal(Describe(full), Describe(fast));
    }

    private static string Describe(IReadOnlyList<YamlDocument> documents)
    {
        var text = new StringBuilder();
        foreach (var doc in documents)
        {
            text.Append("doc@").Append(doc.Line).Append(' ').Append(doc.Error?.Message).Append('\n');
            Describe(doc.Root, text, 1);
        }

        return text.ToString();
    }

    private static void Describe(Node? node, StringBuilder text, int depth)
    {
        text.Append(' ', depth * 2);
        switch (node)
        {
            case ScalarNode scalar:
                text.Append(scalar.Kind).Append('@').Append(scalar.Line).Append(' ').Append(scalar.ToJson()).Append('\n');
                break;
            case MapNode map:
                text.Append("map@").Append(map.Line).Append('\n');
                foreach (var (key, value) in map.Entries)
                {
                    text.Append(' ', depth * 2 + 1).Append(key).Append(":\n");
                    Describe(value, text, depth + 1);
                }

                break;
            case ListNode list:
                text.Append("list@").Append(list.Line).Append('\n');
                foreach (var item in list.Items)
                {
                    Describe(item, text, depth + 1);
                }

                break;
            default:
                text.Append("none\n");
                break;
        }
    }
}
