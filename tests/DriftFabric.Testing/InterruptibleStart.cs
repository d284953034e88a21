using System.Diagnostics;

namespace DriftFabric.Testing;

/// <summary>How a test starts a .NET program it stops as Ctrl+C would (<c>kill -INT</c>).</summary>
public static class InterruptibleStart
{
    /// <summary>Debian's perl-base (essential, so on every machine the tests run on).</summary>
    private const string Perl = "/usr/bin/perl";

    /// <summary>
    /// <c>dotnet <paramref name="dll"/></c> with its output redirected. Ctrl+C reaches a program in
    /// a terminal's foreground. A test run started in the background (<c>./test.sh &amp;</c>, some CI
    /// runners) hands its children SIGINT ignored, and .NET keeps a signal that was ignored at start
    /// ignored: the program is started as a terminal would start it, with SIGINT at its default
    /// (perl execs it, same process). Arguments follow with <see cref="ProcessStartInfo.ArgumentList"/>.
    /// </summary>
    public static ProcessStartInfo Dotnet(string dll)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(File.Exists(Perl) ? Perl : dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (File.Exists(Perl))
        {
            start.ArgumentList.Add("-e");
            start.ArgumentList.Add("$SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec $ARGV[0]: $!\\n\";");
            start.ArgumentList.Add(dotnet);
        }

        start.ArgumentList.Add(dll);
        return start;
    }
}
