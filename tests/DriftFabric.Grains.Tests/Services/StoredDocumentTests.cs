using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Grains.Services;

namespace DriftFabric.Grains.Tests.Services;

public sealed class StoredDocumentTests
{
    private static ResourceDocument Doc(string key, string json, int line = 1) => new(key, Encoding.UTF8.GetBytes(json), "repo/app.yaml", line);

    [Fact]
    public void A_document_is_kept_compressed_and_reads_back_to_the_same_json()
    {
        var json = Objects.Deployment("web", "shop", 3, "web:1").ReplaceLineEndings(string.Empty);

        var stored = StoredDocument.From(Doc("apps/Deployment/shop/web", json));

        Assert.Equal(json, Encoding.UTF8.GetString(stored.Json()));
        Assert.True(stored.Body.Length < Encoding.UTF8.GetByteCount(json), $"{stored.Body.Length} bytes stored for {json.Length}");
    }

    [Fact]
    public void Sending_a_service_what_it_holds_reuses_what_it_holds()
    {
        var held = StoredDocument.FromAll([Doc("core/ConfigMap/shop/a", "{\"a\":1}"), Doc("core/ConfigMap/shop/b", "{\"b\":1}")], [], out var firstSame);
        Assert.False(firstSame);

        var again = StoredDocument.FromAll([Doc("core/ConfigMap/shop/a", "{\"a\":1}"), Doc("core/ConfigMap/shop/b", "{\"b\":1}")], held, out var same);
        Assert.True(same);
        Assert.Same(held[0], again[0]);

        var changed = StoredDocument.FromAll([Doc("core/ConfigMap/shop/a", "{\"a\":1}"), Doc("core/ConfigMap/shop/b", "{\"b\":2}")], held, out var changedSame);
        Assert.False(changedSame);
        Assert.Same(held[0], changed[0]);
        Assert.Equal("{\"b\":2}", Encoding.UTF8.GetString(changed[1].Json()));

        var moved = StoredDocument.FromAll([Doc("core/ConfigMap/shop/a", "{\"a\":1}", line: 9), Doc("core/ConfigMap/shop/b", "{\"b\":1}")], held, out var movedSame);
        Assert.False(movedSame);
        Assert.Equal(9, moved[0].Line);
    }

    [Fact]
    public void A_damaged_document_is_an_error_naming_it()
    {
        var stored = StoredDocument.From(Doc("core/ConfigMap/shop/a", "{\"a\":1}"));
        var damaged = stored with { Body = [.. stored.Body[..4], 1, 2, 3] };

        var error = Assert.Throws<InvalidDataException>(() => damaged.Json());

        Assert.Contains("core/ConfigMap/shop/a", error.Message, StringComparison.Ordinal);
    }
}
