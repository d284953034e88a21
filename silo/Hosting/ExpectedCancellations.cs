using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace DriftFabric.Silo.Hosting;

/// <summary>
/// Keeps cancellations that are part of normal operation out of the error log. Orleans' stream
/// pulling agents stop reading a queue whenever the queues are shared out again (a silo starts,
/// joins or leaves) and cancel the read in flight; the memory stream receiver and the pulling
/// agent then both log that read's <see cref="OperationCanceledException"/> as an error, with its
/// stack trace, on every silo of a fabric as it starts. Those records are not written (the queue's
/// new owner reads it from where it was); the same events with any other exception stay errors.
/// </summary>
public static class ExpectedCancellations
{
    /// <summary>Orleans' "exception thrown in MemoryAdapterFactory.GetQueueMessagesAsync".</summary>
    internal const int MemoryQueueReadFailed = 200402;

    /// <summary>Orleans' "exception while retrying the Nth time reading from queue" (and "giving up reading").</summary>
    internal const int PullingAgentReadFailed = 103312;

    /// <summary>Orleans' grain storage failing a write; a version conflict is handled (and logged) by the grain that made it.</summary>
    internal const int StorageWriteFailed = 102203;

    /// <summary>The single-line console logger, without the expected cancellations.</summary>
    public static ILoggingBuilder AddConsoleWithoutExpectedCancellations(this ILoggingBuilder logging, Action<SimpleConsoleFormatterOptions> configure)
    {
        logging.AddSimpleConsole(configure);
        var console = logging.Services.Single(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider));
        logging.Services.Remove(console);
        logging.Services.TryAddSingleton<ConsoleLoggerProvider>();
        logging.Services.AddSingleton<ILoggerProvider>(sp => new ExpectedCancellationFilter(sp.GetRequiredService<ConsoleLoggerProvider>()));
        return logging;
    }

    /// <summary>Whether a record is a cancellation Orleans logs as an error although it cancelled the work itself.</summary>
    internal static bool IsExpected(string category, EventId eventId, Exception? exception) =>
        exception is OperationCanceledException
        && eventId.Id is MemoryQueueReadFailed or PullingAgentReadFailed
        && category.StartsWith("Orleans.", StringComparison.Ordinal);

    /// <summary>The console provider, under the console's alias so that <c>Logging:Console</c> settings still apply to it.</summary>
    /// <summary>
    /// A write that found another version of the grain's state: the grain writes again (storage
    /// lost the record) or stands down for a duplicate activation, and says which in its own line
    /// (as silos start together, Orleans can activate one grain twice for a moment).
    /// </summary>
    internal static bool IsHandledConflict<TState>(string category, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        eventId.Id == StorageWriteFailed
        && category.StartsWith("Orleans.", StringComparison.Ordinal)
        && (exception is Orleans.Storage.InconsistentStateException || formatter(state, exception).Contains("InconsistentStateException", StringComparison.Ordinal));

    [ProviderAlias("Console")]
    internal sealed class ExpectedCancellationFilter(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
    {
        public ILogger CreateLogger(string categoryName) => new FilteringLogger(categoryName, inner.CreateLogger(categoryName));

        public void SetScopeProvider(IExternalScopeProvider scopeProvider)
        {
            if (inner is ISupportExternalScope scoped)
            {
                scoped.SetScopeProvider(scopeProvider);
            }
        }

        public void Dispose()
        {
            // The container that made the console provider disposes it.
        }
    }

    private sealed class FilteringLogger(string category, ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsExpected(category, eventId, exception) && !IsHandledConflict(category, eventId, state, exception, formatter))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
