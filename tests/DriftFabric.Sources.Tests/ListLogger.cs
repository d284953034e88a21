using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DriftFabric.Sources.Tests;

/// <summary>Keeps what is logged, by event id, with the values it was logged with.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(int EventId, IReadOnlyList<KeyValuePair<string, object?>> Values)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((eventId.Id, state as IReadOnlyList<KeyValuePair<string, object?>> ?? []));

    /// <summary>The value named <paramref name="name"/> of every entry with <paramref name="eventId"/>, in the order logged.</summary>
    public List<T> Values<T>(int eventId, string name) =>
        [.. Entries.Where(e => e.EventId == eventId).Select(e => (T)e.Values.First(v => v.Key == name).Value!)];
}
