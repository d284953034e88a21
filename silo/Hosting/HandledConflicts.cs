using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace DriftFabric.Silo.Hosting;

/// <summary>
/// Keeps Orleans' own error line for a grain state write that met another version out of the
/// console: the grain that made the write handles the conflict (it writes again when storage lost
/// the record, or stands down for a duplicate activation) and says which in its own line. As
/// silos start together Orleans can activate one grain twice for a moment, so without this every
/// start printed <c>fail:</c> lines that were not failures. Any other storage error stays an error.
/// <para>
/// Likewise a joining silo's first check of the silos already active, when one does not answer
/// yet (several silos starting on two cores): Orleans logs it as an error and tries again until
/// its deadline, and a join that finally fails is an error line of its own. The console shows the
/// attempt as the warning it is.
/// </para>
/// </summary>
public static class HandledConflicts
{
    /// <summary>Orleans' grain storage failing a write.</summary>
    internal const int StorageWriteFailed = 102203;

    /// <summary>Orleans' membership agent: a joining silo could not reach every active silo yet, and tries again.</summary>
    internal const int JoinCheckRetried = 100661;

    /// <summary>The single-line console logger, without the conflicts grains handle.</summary>
    public static ILoggingBuilder AddConsoleWithoutHandledConflicts(this ILoggingBuilder logging, Action<SimpleConsoleFormatterOptions> configure)
    {
        logging.AddSimpleConsole(configure);
        var console = logging.Services.Single(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider));
        logging.Services.Remove(console);
        logging.Services.TryAddSingleton<ConsoleLoggerProvider>();
        logging.Services.AddSingleton<ILoggerProvider>(sp => new ConflictFilter(sp.GetRequiredService<ConsoleLoggerProvider>()));
        return logging;
    }

    /// <summary>
    /// A write that found another version of the grain's state: the grain writes again (storage
    /// lost the record) or stands down for a duplicate activation, and says which in its own line
    /// (as silos start together, Orleans can activate one grain twice for a moment).
    /// </summary>
    internal static bool IsHandledConflict<TState>(string category, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        eventId.Id == StorageWriteFailed
        && category.StartsWith("Orleans.", StringComparison.Ordinal)
        && (exception is Orleans.Storage.InconsistentStateException || formatter(state, exception).Contains("InconsistentStateException", StringComparison.Ordinal));

    /// <summary>A joining silo's check of the active silos that Orleans will try again (it says so in the line).</summary>
    internal static bool IsRetriedJoinCheck<TState>(string category, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        eventId.Id == JoinCheckRetried
        && category.StartsWith("Orleans.", StringComparison.Ordinal)
        && formatter(state, exception).Contains("Will continue attempting", StringComparison.Ordinal);

    /// <summary>The console provider, under the console's alias so that <c>Logging:Console</c> settings still apply to it.</summary>
    [ProviderAlias("Console")]
    internal sealed class ConflictFilter(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
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
            if (IsHandledConflict(category, eventId, state, exception, formatter))
            {
                return;
            }

            var level = logLevel > LogLevel.Warning && IsRetriedJoinCheck(category, eventId, state, exception, formatter) ? LogLevel.Warning : logLevel;
            inner.Log(level, eventId, state, exception, formatter);
        }
    }
}
