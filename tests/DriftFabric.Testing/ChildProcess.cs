using System.Collections.Concurrent;
using System.Diagnostics;

namespace DriftFabric.Testing;

/// <summary>A server binary run by a test as a child process in a folder of its own; killed, and the folder removed, on dispose.</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ChildProcess(Process process, TempDirectory folder)
    {
        _process = process;
        Folder = folder;
    }

    /// <summary>The process's own folder (its config, socket, data).</summary>
    public TempDirectory Folder { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>What it wrote so far, stdout and stderr, a line each.</summary>
    public string Output => string.Join(" / ", _output);

    public static ChildProcess Start(string file, IEnumerable<string> arguments, TempDirectory folder, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder.Root };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var child = new ChildProcess(process, folder);
        process.OutputDataReceived += (_, e) => child._output.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => child._output.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Polls <paramref name="ready"/> until it holds; fails naming the output when the process exits or 20 s pass.</summary>
    public async Task WaitUntilReadyAsync(Func<Task<bool>> ready, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await ready())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                await Task.Delay(200);
                throw new InvalidOperationException($"{what} did not come up: {Output}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Folder.Dispose();
    }
}
