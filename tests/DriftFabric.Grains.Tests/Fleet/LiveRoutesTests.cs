using System.Text;
using DriftFabric.Abstractions;
using DriftFabric.Grains.Fleet;

namespace DriftFabric.Grains.Tests.Fleet;

/// <summary>Watched changes split per service, in order, with each object's route remembered.</summary>
public sealed class LiveRoutesTests
{
    private const string Web = "apps/Deployment/shop/web";
    private const string Api = "apps/Deployment/shop/api";

    private static LiveDocumentChange Put(string key, string app) =>
        new(key, new ResourceDocument(key, Encoding.UTF8.GetBytes("{\"metadata\":{\"labels\":{\"app\":\"" + app + "\"}}}"), null, 0));

    private static LiveDocumentChange Gone(string key) => new(key, null);

    /// <summary>Routes by the object's <c>app</c> label; <c>none</c> is out of scope.</summary>
    private static (bool, string?) ByLabel(Engine.Manifests.ResourceKey key, ResourceDocument document)
    {
        var app = Encoding.UTF8.GetString(document.Json).Split('"')[7];
        return (true, app == "none" ? null : "acme/prod/shop/" + app);
    }

    [Fact]
    public void Each_service_gets_its_own_changes_in_order()
    {
        var routes = new LiveRoutes();

        var split = routes.Split([Put(Web, "web"), Put(Api, "api"), Put(Web, "web")], ByLabel);

        Assert.Equal([Web, Web], split["acme/prod/shop/web"].Select(c => c.Key));
        Assert.Equal([Api], split["acme/prod/shop/api"].Select(c => c.Key));
        Assert.Equal("acme/prod/shop/web", routes.ServiceOf(Web));
    }

    [Fact]
    public void An_object_relabelled_to_another_service_is_withdrawn_from_the_one_it_left()
    {
        var routes = new LiveRoutes();
        routes.Set(Web, "acme/prod/shop/web");

        var split = routes.Split([Put(Web, "api")], ByLabel);

        Assert.Null(Assert.Single(split["acme/prod/shop/web"]).Document);
        Assert.NotNull(Assert.Single(split["acme/prod/shop/api"]).Document);
        Assert.Equal("acme/prod/shop/api", routes.ServiceOf(Web));
    }

    [Fact]
    public void A_deleted_object_or_one_that_left_the_scope_goes_to_its_last_service_as_gone_and_is_forgotten()
    {
        var routes = new LiveRoutes();
        routes.Set(Web, "acme/prod/shop/web");
        routes.Set(Api, "acme/prod/shop/api");

        var split = routes.Split([Gone(Web), Put(Api, "none"), Gone("apps/Deployment/shop/never-seen")], ByLabel);

        Assert.Null(Assert.Single(split["acme/prod/shop/web"]).Document);
        Assert.Null(Assert.Single(split["acme/prod/shop/api"]).Document);
        Assert.Equal(2, split.Count);
        Assert.Null(routes.ServiceOf(Web));
        Assert.Null(routes.ServiceOf(Api));
    }
}
