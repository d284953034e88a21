using System.Diagnostics;
using System.Threading.Channels;

namespace DriftFabric.Testing;

/// <summary>
/// A child process's console, stdout and stderr together, line by line: waited for one at a time
/// (<see cref="WaitForLineAsync"/>), or every line so far.
/// </summary>
public sealed class ConsoleLines(string who, TimeSpan patience)
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _seen = [];
    private readonly List<string> _all = [];
    private int _openStreams = 2;

    /// <summary>Lines read so far by <see cref="WaitForLineAsync"/>.</summary>
    public IReadOnlyList<string> Seen => _seen;

    /// <summary>Every line the process wrote so far, read or not.</summary>
    public IReadOnlyList<string> All
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>Takes the lines of <paramref name="process"/>; call before it starts reading its output.</summary>
    public void Follow(Process process)
    {
        process.OutputDataReceived += (_, e) => Receive(e.Data);
        process.ErrorDataReceived += (_, e) => Receive(e.Data);
    }

    /// <summary>Reads lines until one contains <paramref name="text"/>; fails only when it never comes.</summary>
    public async Task<string> WaitForLineAsync(string text)
    {
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(timeout.Token);
                _seen.Add(line);
                if (line.Contains(text, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"{who} exited before a line with '{text}'; its output:\n{string.Join('\n', _seen)}");
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no line with '{text}' within {patience}; output so far:\n{string.Join('\n', _seen)}");
        }
    }

    private void Receive(string? line)
    {
        if (line is null)
        {
            // Each of stdout and stderr ends with a null: the lines end when both have, or a last
            // line on the one still open (an error said on the way out) would be lost.
            if (Interlocked.Decrement(ref _openStreams) == 0)
            {
                _lines.Writer.TryComplete();
            }
        }
        else
        {
            lock (_all)
            {
                _all.Add(line);
            }

            _lines.Writer.TryWrite(line);
        }
    }
}
