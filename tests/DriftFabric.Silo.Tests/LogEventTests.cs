using System.Reflection;
using DriftFabric.Grains.Fleet;
using DriftFabric.Silo;
using DriftFabric.Sources;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Silo.Tests;

/// <summary>Log event ids: each one names one event of the sources, the grains or the silo, and comes from <see cref="LogEvents"/>.</summary>
public sealed class LogEventTests
{
    private static readonly Assembly[] Logging = [typeof(LogEvents).Assembly, typeof(ClusterGrain).Assembly, typeof(FleetWatchdog).Assembly];

    private static List<(string Method, int Id)> Declared() =>
        [.. Logging
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.Name}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => (m.Method, m.Attribute!.EventId))];

    private static Dictionary<int, string> Registry() =>
        typeof(LogEvents).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .ToDictionary(f => (int)f.GetRawConstantValue()!, f => f.Name);

    [Fact]
    public void Every_logged_event_has_an_id_of_its_own()
    {
        var declared = Declared();
        Assert.NotEmpty(declared);
        Assert.All(declared, d => Assert.True(d.Id != 0, $"{d.Method} logs without an event id"));
        var shared = declared.GroupBy(d => d.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(d => d.Method))}");
        Assert.Empty(shared);
    }

    [Fact]
    public void Every_id_comes_from_the_registry_and_the_registry_holds_no_id_unused()
    {
        var registry = Registry();
        var declared = Declared();
        Assert.Empty(declared.Where(d => !registry.ContainsKey(d.Id)).Select(d => $"{d.Method}: {d.Id}"));
        Assert.Empty(registry.Keys.Except(declared.Select(d => d.Id)).Select(id => registry[id]));
    }
}
