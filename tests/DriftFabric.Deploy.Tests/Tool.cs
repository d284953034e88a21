using System.Diagnostics;

namespace DriftFabric.Deploy.Tests;

/// <summary>Runs the host's tools the image is made with (debootstrap, tar, dotnet), output captured.</summary>
internal static class Tool
{
    /// <summary>The path of the executable <paramref name="name"/> on PATH or in the sbin folders (debootstrap is in /usr/sbin), or null.</summary>
    public static string? Find(string name)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/sbin", "/sbin"]);
        return folders.Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
    }

    public static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var (code, output, error) = await RunAsync(start, stdin: null);
        if (code != 0)
        {
            var both = (error + output).Trim();
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {code}: {(both.Length <= 4000 ? both : "..." + both[^4000..])}");
        }

        return output;
    }

    /// <summary>A process whose standard output is copied into the stream it is given (tar's archive into podman import's standard input).</summary>
    public static Func<Stream, Task> OutputOf(string file, params string[] arguments) => async target =>
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.BaseStream.CopyToAsync(target);
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {(await error).Trim()}");
        }
    };

    public static async Task<(int Code, string Output, string Error)> RunAsync(ProcessStartInfo start, Func<Stream, Task>? stdin)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            try
            {
                await stdin(process.StandardInput.BaseStream);
            }
            finally
            {
                process.StandardInput.Close();
            }
        }

        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
