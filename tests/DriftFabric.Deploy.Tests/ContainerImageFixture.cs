using System.Diagnostics;
using System.Globalization;

namespace DriftFabric.Deploy.Tests;

/// <summary>
/// Builds the silo's image from <c>deploy/Dockerfile</c> once for <see cref="ContainerImageTests"/>,
/// with podman, offline: no registry is reachable here, so the images the Dockerfile names as
/// arguments are made locally, each holding what the public one holds. The base is a Debian 12
/// root filesystem of the packages Microsoft's runtime-deps image holds (debootstrap); the SDK
/// image is that plus this host's .NET SDK; the kubectl image holds this host's kubectl at
/// <c>/bin/kubectl</c>, where the Kubernetes project's image has it. The restore inside the build
/// reads this host's NuGet packages (every version is pinned exactly), primed first with the
/// runtime packs a self-contained publish needs. Everything lives under one temp folder (podman's
/// storage too) and goes with it.
/// </summary>
public sealed class ContainerImageFixture : IAsyncLifetime
{
    public const string Image = "localhost/driftfabric-silo:test";
    private const string BaseImage = "localhost/driftfabric-test-runtime-deps:10.0";
    private const string SdkImage = "localhost/driftfabric-test-sdk:10.0";
    private const string KubectlImage = "localhost/driftfabric-test-kubectl:v1.32";

    private readonly TempDirectory _dir = new("driftfabric-image-");
    private readonly List<string> _steps = [];
    private bool _disposed;
    private string _packages = string.Empty;
    private string _nugetConfig = string.Empty;

    internal Podman Podman { get; private set; } = null!;

    /// <summary>Each step of the build and how long it took, for the test output (never asserted).</summary>
    public IReadOnlyList<string> Steps => _steps;

    /// <summary>The built image's size in bytes, as <c>podman image inspect --format {{.Size}}</c> says.</summary>
    public long ImageSize { get; private set; }

    /// <summary>A folder under the fixture's temp folder, for a test's mounts.</summary>
    public string Folder(string name) => Directory.CreateDirectory(Path.Combine(_dir.Root, name)).FullName;

    public async Task InitializeAsync()
    {
        try
        {
            await BuildAsync();
        }
        catch
        {
            // Gigabytes of storage go now, whether or not the runner disposes a fixture whose start failed.
            await DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync()
    {
        // Missing tools fail every test of the class with this message; test.sh installs them.
        var missing = new[] { "podman", "runc", "debootstrap", "tar", "kubectl" }.Where(tool => Tool.Find(tool) is null).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"the container image tests need {string.Join(", ", missing)} (Debian: apt-get install podman runc debootstrap; test.sh installs them when missing)");
        }

        Podman = Podman.In(_dir.Root);
        var rootfs = Path.Combine(_dir.Root, "rootfs");
        var dotnetRoot = DotnetRoot();
        _packages = await GlobalPackagesAsync();

        await StepAsync("runtime packs for a self-contained linux-x64 publish (host restore)", () => PrimeRuntimePacksAsync());
        await StepAsync("debootstrap bookworm minbase + runtime-deps' packages", () => Tool.RunAsync(
            Tool.Find("debootstrap")!, "--variant=minbase", "--include=ca-certificates,libicu72,libssl3,tzdata", "bookworm", rootfs));
        await StepAsync("base image (podman import)", () => Podman.RunAsync(
            ["import", "-", BaseImage], Tool.OutputOf("tar", "-C", rootfs, "-c", ".")));
        await StepAsync("SDK image (base + this host's SDK, podman import)", () => Podman.RunAsync(
            [
                "import",
                "--change", $"ENV PATH={dotnetRoot}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "--change", $"ENV DOTNET_ROOT={dotnetRoot}",
                "--change", "ENV DOTNET_CLI_TELEMETRY_OPTOUT=1",
                "--change", "ENV DOTNET_NOLOGO=1",
                "-", SdkImage,
            ],
            Tool.OutputOf("tar", "-c", "-C", rootfs, ".", "-C", "/", dotnetRoot.TrimStart('/'))));
        await StepAsync("delete the root filesystem", () =>
        {
            Directory.Delete(rootfs, recursive: true);
            return Task.CompletedTask;
        });

        var kubectl = Folder("kubectl");
        Directory.CreateDirectory(Path.Combine(kubectl, "bin"));
        File.Copy(new FileInfo(Tool.Find("kubectl")!).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Tool.Find("kubectl")!, Path.Combine(kubectl, "bin", "kubectl"));
        await StepAsync("kubectl image (this host's kubectl at /bin/kubectl)", () => Podman.RunAsync(
            ["import", "--change", "ENTRYPOINT [\"/bin/kubectl\"]", "-", KubectlImage], Tool.OutputOf("tar", "-C", kubectl, "-c", "bin")));

        _nugetConfig = Path.Combine(_dir.Root, "NuGet.Config");
        File.WriteAllText(_nugetConfig, """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="host-packages" value="/root/.nuget/packages" />
              </packageSources>
            </configuration>
            """);
        await StepAsync("podman build -f deploy/Dockerfile", () => BuildImageAsync(Image, withGit: true, withKubectl: true));
        ImageSize = long.Parse((await Podman.RunAsync("image", "inspect", "--format", "{{.Size}}", Image)).Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// <c>podman build -f deploy/Dockerfile</c> with the local images as its base images, its restore
    /// reading only this host's packages (a NuGet.Config of the build's user, root in the SDK stage,
    /// naming that folder as the one source: test wiring, not the Dockerfile's).
    /// </summary>
    public Task<string> BuildImageAsync(string tag, bool withGit, bool withKubectl) => Podman.RunAsync(
        "build", "--network", "host", "-f", RepositoryRoot.Combine("deploy", "Dockerfile"),
        "--build-arg", $"SDK_IMAGE={SdkImage}",
        "--build-arg", $"RUNTIME_IMAGE={BaseImage}",
        "--build-arg", $"KUBECTL_IMAGE={KubectlImage}",
        "--build-arg", "WITH_GIT=" + (withGit ? "true" : "false"),
        "--build-arg", "WITH_KUBECTL=" + (withKubectl ? "true" : "false"),
        "-v", $"{_packages}:/root/.nuget/packages",
        "-v", $"{_nugetConfig}:/root/.nuget/NuGet/NuGet.Config:ro",
        "-t", tag,
        RepositoryRoot.Path);

    public async Task DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (Podman is not null)
        {
            await Podman.TryRunAsync(["rm", "--all", "--force", "--time", "0"]);
            await Podman.TryRunAsync(["rmi", "--all", "--force"]);
        }

        _dir.Dispose();
    }

    private async Task StepAsync(string name, Func<Task> step)
    {
        var clock = Stopwatch.StartNew();
        await step();
        _steps.Add($"{name}: {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>The .NET installation this test runs on (its SDK goes into the SDK image, at the same path).</summary>
    private static string DotnetRoot()
    {
        var dotnet = Tool.Find("dotnet") ?? throw new InvalidOperationException("dotnet is not on PATH");
        var real = new FileInfo(dotnet).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dotnet;
        return Path.GetDirectoryName(real)!;
    }

    /// <summary>This host's NuGet global packages folder, which test.sh's build filled.</summary>
    private static async Task<string> GlobalPackagesAsync()
    {
        var line = await Tool.RunAsync("dotnet", "nuget", "locals", "global-packages", "--list");
        return line.Trim()["global-packages:".Length..].Trim().TrimEnd('/');
    }

    /// <summary>
    /// A self-contained publish needs the runtime packs of .NET and ASP.NET Core for linux-x64,
    /// which a framework-dependent build never downloads: a restore of an empty project of that
    /// shape puts the versions this SDK picks into the host's packages.
    /// </summary>
    private async Task PrimeRuntimePacksAsync()
    {
        var project = Folder("runtime-packs");
        File.WriteAllText(Path.Combine(project, "runtime-packs.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <RuntimeIdentifier>linux-x64</RuntimeIdentifier>
                <SelfContained>true</SelfContained>
              </PropertyGroup>
              <ItemGroup>
                <FrameworkReference Include="Microsoft.AspNetCore.App" />
              </ItemGroup>
            </Project>
            """);
        await Tool.RunAsync("dotnet", "restore", project, "--nologo", "-v", "quiet");
    }
}
