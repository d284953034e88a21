using DriftFabric.Engine.Adoption;
using DriftFabric.Engine.Manifests;

namespace DriftFabric.Engine.Tests.Adoption;

/// <summary>Live values written into a YAML file: the changed lines change, every other byte stays.</summary>
public class YamlEditorTests
{
    private const string File = """
        # The web tier. Owned by team-shop.
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web   # the name
          namespace: shop
        spec:
          replicas: 2   # scaled by hand sometimes

          template:
            spec:
              containers:
              - name: web
                image: "web:1"    # pinned
                env:
                - name: MODE
                  value: safe
                - name: LEVEL
                  value: "3"
        ---
        # Its settings.
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web-config
          namespace: shop
        data:
          mode: safe
        """;

    private static readonly ResourceKey Web = new("apps", "Deployment", "shop", "web");

    [Fact]
    public void A_port_is_found_by_number_and_protocol()
    {
        const string Dns = """
            apiVersion: v1
            kind: Service
            metadata: {name: dns, namespace: shop}
            spec:
              ports:
              - name: dns-tcp
                port: 53
                targetPort: 5353
              - name: dns
                port: 53
                protocol: UDP
                targetPort: 5353
            """;

        var (text, refused) = YamlEditor.Apply(Dns, new ResourceKey("core", "Service", "shop", "dns"),
            [new FieldEdit("/spec/ports[port=53,protocol=UDP]/targetPort", "53", "5353")]);

        Assert.Empty(refused);
        Assert.Equal(Dns.Replace("    protocol: UDP\n    targetPort: 5353", "    protocol: UDP\n    targetPort: 53", StringComparison.Ordinal), text);
    }

    [Fact]
    public void Changed_scalars_are_rewritten_in_place_keeping_comments_quotes_and_every_other_line()
    {
        var (text, refused) = YamlEditor.Apply(File, Web,
        [
            new FieldEdit("/spec/replicas", "6", "2"),
            new FieldEdit("/spec/template/spec/containers[name=web]/image", "\"web:2\"", "\"web:1\""),
            new FieldEdit("/spec/template/spec/containers[name=web]/env[name=MODE]/value", "\"debug mode: on\"", "\"safe\""),
        ]);

        Assert.Empty(refused);
        var before = File.Split('\n');
        var after = text.Split('\n');
        Assert.Equal(before.Length, after.Length);
        var changed = before.Zip(after).Where(p => p.First != p.Second).Select(p => p.Second).ToList();
        Assert.Equal(
            ["  replicas: 6   # scaled by hand sometimes", "        image: \"web:2\"    # pinned", "          value: \"debug mode: on\""],
            changed);
    }

    [Fact]
    public void A_field_the_cluster_added_is_inserted_at_the_end_of_its_mapping_and_one_it_lacks_is_removed_with_its_block()
    {
        var (text, refused) = YamlEditor.Apply(File, Web,
        [
            new FieldEdit("/spec/minReadySeconds", "10", null),
            new FieldEdit("/spec/template/spec/containers[name=web]/env", null, "[]"),
            new FieldEdit("/metadata/labels", """{"app":"web","tier":"front"}""", null),
        ]);

        Assert.Empty(refused);
        Assert.Equal("""
            # The web tier. Owned by team-shop.
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web   # the name
              namespace: shop
              labels:
                app: web
                tier: front
            spec:
              replicas: 2   # scaled by hand sometimes

              template:
                spec:
                  containers:
                  - name: web
                    image: "web:1"    # pinned
              minReadySeconds: 10
            ---
            # Its settings.
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: web-config
              namespace: shop
            data:
              mode: safe
            """, text);
    }

    [Fact]
    public void The_right_document_of_a_file_is_edited_and_what_it_cannot_do_safely_is_refused_naming_the_field()
    {
        var config = new ResourceKey("core", "ConfigMap", "shop", "web-config");
        var withBlock = File + "\n  script: |\n    echo hi\n";

        var (text, refused) = YamlEditor.Apply(withBlock, config,
        [
            new FieldEdit("/data/mode", "\"debug\"", "\"safe\""),
            new FieldEdit("/data/script", "\"echo bye\"", "\"echo hi\\n\""),
            new FieldEdit("/spec/template/spec/containers[name=api]/image", "\"api:2\"", "\"api:1\""),
        ]);

        Assert.Contains("  mode: debug\n", text, StringComparison.Ordinal);
        Assert.Contains("  replicas: 2", text, StringComparison.Ordinal);
        Assert.Equal(
            ["/data/script: a block scalar, anchor or alias; edit it by hand", "/spec/template/spec/containers[name=api]/image: its mapping is not in the code"],
            refused.Select(r => $"{r.Path}: {r.Reason}"));
        Assert.All(YamlEditor.Apply(File, new ResourceKey("apps", "Deployment", "shop", "api"), [new FieldEdit("/spec/replicas", "1", "2")]).Refused,
            r => Assert.Contains("is not a document of this file", r.Reason, StringComparison.Ordinal));
    }

    private const string Settings = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: shop
        data:
          greeting: 'hello'   # single-quoted
          title: 'hello'
          motto: "be kind"
          mode: safe
          port: safe
          retries: 2
          label: safe
        """;

    private static readonly ResourceKey SettingsKey = new("core", "ConfigMap", "shop", "settings");

    [Fact]
    public void A_value_keeps_its_quoting_style_when_it_can_and_a_plain_string_that_would_read_as_another_type_is_quoted()
    {
        var (text, refused) = YamlEditor.Apply(Settings, SettingsKey,
        [
            new FieldEdit("/data/greeting", "\"it's <fine> & done\"", "\"hello\""),
            new FieldEdit("/data/title", "\"two\\nlines\"", "\"hello\""),
            new FieldEdit("/data/motto", "\"don't \\\"panic\\\" \\\\ café\"", "\"be kind\""),
            new FieldEdit("/data/mode", "\"debug\"", "\"safe\""),
            new FieldEdit("/data/port", "\"8080\"", "\"safe\""),
            new FieldEdit("/data/retries", "5", "2"),
            new FieldEdit("/data/label", "\"yes\"", "\"safe\""),
        ]);

        Assert.Empty(refused);
        Assert.Equal(
        [
            "  greeting: 'it''s <fine> & done'   # single-quoted",
            "  title: \"two\\nlines\"",
            "  motto: \"don't \\\"panic\\\" \\\\ café\"",
            "  mode: debug",
            "  port: \"8080\"",
            "  retries: 5",
            "  label: \"yes\"",
        ], ChangedLines(Settings, text));
    }

    [Fact]
    public void A_scalar_ends_where_yaml_quoting_says_so_its_comment_is_kept_after_spaces_or_a_tab()
    {
        var quoting = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              note: 'it''s fine'   # apostrophes
              path: "C:\\"   # keep me
              level: 1\t# a tab before the comment
              hash: 'a # b' # not the comment
            """.Replace("\\t", "\t", StringComparison.Ordinal);

        var (text, refused) = YamlEditor.Apply(quoting, new ResourceKey("core", "ConfigMap", "", "settings"),
        [
            new FieldEdit("/data/note", "\"it's changed\"", "\"it's fine\""),
            new FieldEdit("/data/path", "\"D:\\\\\"", "\"C:\\\\\""),
            new FieldEdit("/data/level", "3", "1"),
            new FieldEdit("/data/hash", "\"c # d\"", "\"a # b\""),
        ]);

        Assert.Empty(refused);
        Assert.Equal(
        [
            "  note: 'it''s changed'   # apostrophes",
            "  path: \"D:\\\\\"   # keep me",
            "  level: 3\t# a tab before the comment",
            "  hash: 'c # d' # not the comment",
        ], ChangedLines(quoting, text));
    }

    [Fact]
    public void A_multi_line_scalar_is_refused_naming_its_field_and_the_file_is_left_as_it_was()
    {
        const string MultiLine = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              motd: first line
                continued here
              banner: "one
                two"
              quote: 'three

                four'
              last: plain
            """;

        var (text, refused) = YamlEditor.Apply(MultiLine, new ResourceKey("core", "ConfigMap", "", "settings"),
        [
            new FieldEdit("/data/motd", "\"new\"", "\"first line continued here\""),
            new FieldEdit("/data/banner", "\"new\"", "\"one two\""),
            new FieldEdit("/data/quote", "\"new\"", "\"three\\nfour\""),
        ]);

        Assert.Equal(MultiLine, text);
        Assert.Equal(["/data/motd", "/data/banner", "/data/quote"], refused.Select(r => r.Path));
        Assert.All(refused, r => Assert.Equal("a multi-line scalar is changed by a person", r.Reason));
    }

    [Fact]
    public void Every_line_keeps_its_own_ending_and_a_new_line_takes_its_neighbours()
    {
        // LF and CRLF mixed, and no line break after the last line.
        const string Mixed = "apiVersion: v1\r\nkind: ConfigMap\nmetadata:\r\n  name: settings\r\ndata:\n  mode: safe   # crlf\r\n  level: 1\n  tier: web\r\n---\nkind: ConfigMap\r\nmetadata:\n  name: other";

        var (text, refused) = YamlEditor.Apply(Mixed, new ResourceKey("core", "ConfigMap", "", "settings"),
        [
            new FieldEdit("/data/mode", "\"debug\"", "\"safe\""),
            new FieldEdit("/data/level", "2", "1"),
            new FieldEdit("/data/extra", "\"x\"", null),
        ]);
        var (last, lastRefused) = YamlEditor.Apply(Mixed, new ResourceKey("core", "ConfigMap", "", "other"), [new FieldEdit("/data", """{"a":"b"}""", null)]);

        Assert.Empty(refused);
        Assert.Equal(Mixed.Replace("mode: safe ", "mode: debug ", StringComparison.Ordinal).Replace("level: 1", "level: 2", StringComparison.Ordinal)
            .Replace("  tier: web\r\n", "  tier: web\r\n  extra: x\r\n", StringComparison.Ordinal), text);
        Assert.Empty(lastRefused);
        Assert.Equal(Mixed.Replace("  name: other", "  name: other\ndata:\n  a: b", StringComparison.Ordinal), last);
    }

    [Fact]
    public void A_byte_order_mark_is_kept_and_a_file_that_is_not_utf8_is_left_alone()
    {
        var utf8 = "\uFEFFapiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: settings\r\ndata:\r\n  mode: 'safé'\r\n"u8.ToArray();
        var key = new ResourceKey("core", "ConfigMap", "", "settings");

        var (bytes, refused) = YamlEditor.Apply(utf8, key, [new FieldEdit("/data/mode", "\"débug\"", "\"safé\"")]);
        // The same file in Latin-1: "é" is one byte that UTF-8 does not read.
        byte[] notUtf8 = [.. utf8.Take(utf8.Length - 5), 0xE9, (byte)'\'', (byte)'\r', (byte)'\n'];
        var (latin1, latin1Refused) = YamlEditor.Apply(notUtf8, key, [new FieldEdit("/data/mode", "\"x\"", "\"safé\"")]);

        Assert.Empty(refused);
        Assert.Equal("\uFEFFapiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: settings\r\ndata:\r\n  mode: 'débug'\r\n"u8.ToArray(), bytes);
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        Assert.Equal(new EditRefusal("/data/mode", "the file is not UTF-8 text; edit it by hand"), Assert.Single(latin1Refused));
        Assert.Equal(notUtf8, latin1);
    }

    [Fact]
    public void An_edit_that_would_not_read_back_as_the_live_value_with_all_else_as_it_was_is_refused()
    {
        // The literal's last line looks like a comment: a line inserted before it would cut the script short.
        const string Script = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              script: |
                echo hi
                # the end
            """;

        var (text, refused) = YamlEditor.Apply(Script, new ResourceKey("core", "ConfigMap", "", "settings"), [new FieldEdit("/data/extra", "\"x\"", null)]);

        Assert.Equal(Script, text);
        Assert.Equal(
            new EditRefusal("/data/extra", "the edited file would not read back as the live value with every other field as it was; edit it by hand"),
            Assert.Single(refused));
    }

    [Fact]
    public void A_block_written_anew_on_a_list_items_first_key_keeps_the_dash()
    {
        var (text, refused) = YamlEditor.Apply(File.Replace("      - name: web\n        image:", "      - env:\n        - name: A\n          value: a\n        name: web\n        image:", StringComparison.Ordinal)
            .Replace("        env:\n        - name: MODE\n          value: safe\n        - name: LEVEL\n          value: \"3\"\n", string.Empty, StringComparison.Ordinal), Web,
            [new FieldEdit("/spec/template/spec/containers[name=web]/env", """[{"name":"B","value":"b"}]""", """[{"name":"A","value":"a"}]""")]);

        Assert.Empty(refused);
        Assert.Contains("      containers:\n      - env:\n        - name: B\n          value: b\n        name: web\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  key:", "5", "  key: 5")]
    [InlineData("  key:   # none yet", "\"on\"", "  key: \"on\"   # none yet")]
    [InlineData("  key: ~ # none", "\"a\"", "  key: a # none")]
    [InlineData("  key: \"say \\\"hi\\\"\" # c", "\"say \\\"bye\\\"\"", "  key: \"say \\\"bye\\\"\" # c")]
    [InlineData("  key: a#b # c", "\"c#d\"", "  key: \"c#d\" # c")]
    [InlineData("  key: 'tab'", "\"a\\tb\"", "  key: 'a\tb'")]
    [InlineData("  key: 'bell'", "\"a\\u0007\"", "  key: \"a\\u0007\"")]
    [InlineData("  key: 'x'", "true", "  key: true")]
    [InlineData("  key: \"x\"", "null", "  key: null")]
    public void A_scalar_is_rewritten_in_place(string before, string live, string after)
    {
        var file = $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n{before}\n  next: x\n";

        var (text, refused) = YamlEditor.Apply(file, new ResourceKey("core", "ConfigMap", "", "settings"), [new FieldEdit("/data/key", live, "\"x\"")]);

        Assert.Empty(refused);
        Assert.Equal(file.Replace(before, after, StringComparison.Ordinal), text);
    }

    /// <summary>The lines of <paramref name="after"/> that differ from <paramref name="before"/> (which has as many), each with its line ending.</summary>
    private static List<string> ChangedLines(string before, string after)
    {
        var old = before.Split('\n');
        var edited = after.Split('\n');
        Assert.Equal(old.Length, edited.Length);
        return [.. old.Zip(edited).Where(p => p.First != p.Second).Select(p => p.Second)];
    }
}
