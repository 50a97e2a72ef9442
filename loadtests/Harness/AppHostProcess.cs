using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Commerce.LoadTests.Harness;

/// <summary>
/// A real AppHost process, started as <c>./run.sh</c> starts it but with a state folder and Aspire dashboard ports of its
/// own (so it never collides with a developer's running system), that cannot outlive the process that started it.
/// The load suites start their systems with it; the tests use it where they test the AppHost as a person runs it.
/// </summary>
public sealed partial class AppHostProcess : IAsyncDisposable
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private readonly Process process;
    private readonly StreamWriter log;

    private AppHostProcess(Process process, string stateDirectory, StreamWriter log)
    {
        this.process = process;
        this.log = log;
        StateDirectory = stateDirectory;
        Pid = process.Id;
        process.OutputDataReceived += (_, line) => Write(line.Data);
        process.ErrorDataReceived += (_, line) => Write(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Exited = WaitForExitCodeAsync();
    }

    public int Pid { get; }
    public string StateDirectory { get; }
    public string EndpointsPath => Path.Combine(StateDirectory, "endpoints.json");
    public string LogPath => Path.Combine(StateDirectory, "apphost.log");

    /// <summary>Completes with the exit code when the AppHost ends, however it ends.</summary>
    public Task<int> Exited { get; }

    /// <summary>
    /// Starts <c>AppHost.dll</c> (built like the caller) with <paramref name="arguments"/>; <paramref name="environment"/>
    /// adds to this process's environment (a null value removes a variable). Returns at once; see <see cref="WaitUntilHealthyAsync"/>.
    /// </summary>
    public static async Task<AppHostProcess> StartAsync(
        string appHostDll, string stateDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, string? path = null)
    {
        Directory.CreateDirectory(stateDirectory);
        File.Delete(Path.Combine(stateDirectory, "endpoints.json"));
        var info = new ProcessStartInfo("/usr/bin/setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Path.GetDirectoryName(appHostDll)!,
        };
        // Its own session (a terminal's Ctrl+C reaches only what it was meant for) and a parent-death signal (a killed test
        // run or suite takes its AppHost along, and Aspire's DCP then stops everything the AppHost started). A shell that
        // starts us in the background makes SIGINT ignored, and that is inherited: env gives it back.
        foreach (var argument in new[] { "/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "/usr/bin/env", "--default-signal=INT", DotnetHost, appHostDll,
                     "--state-dir", stateDirectory })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (key, value) in DashboardOnFreePorts().Concat(environment))
        {
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        }

        if (path is not null) info.Environment["PATH"] = path;
        var log = new StreamWriter(Path.Combine(stateDirectory, "apphost.log"), append: true) { AutoFlush = true };
        return new AppHostProcess(await Spawner.Run(() => Process.Start(info)!), stateDirectory, log);
    }

    /// <summary>Waits for endpoints.json, which the AppHost writes once every resource is healthy.</summary>
    public async Task<JsonElement> WaitUntilHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!File.Exists(EndpointsPath))
        {
            if (Exited.IsCompleted)
            {
                throw new InvalidOperationException($"The AppHost exited with {Exited.Result} while starting:\n{Tail(40)}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The AppHost was not healthy within {timeout.TotalSeconds} s:\n{Tail(40)}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        return ReadEndpoints();
    }

    public JsonElement ReadEndpoints()
    {
        // The AppHost replaces the file with a rename, so a read sees the old or the new file, never half of one.
        using var document = JsonDocument.Parse(File.ReadAllText(EndpointsPath));
        return document.RootElement.Clone();
    }

    /// <summary>The last lines the AppHost printed.</summary>
    public string Tail(int lines)
    {
        lock (log) log.Flush();
        using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
    }

    public void Signal(int signal) => _ = Kill(Pid, signal);

    /// <summary>Asks politely with <paramref name="signal"/> (SIGINT is Ctrl+C), then kills after <paramref name="grace"/>; returns the exit code.</summary>
    public async Task<int> StopAsync(int signal, TimeSpan grace)
    {
        if (!Exited.IsCompleted)
        {
            Signal(signal);
            if (await Task.WhenAny(Exited, Task.Delay(grace)) != Exited) Signal(SigKill);
        }

        return await Exited;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(SigTerm, TimeSpan.FromSeconds(60));
        lock (log) log.Dispose();
    }

    private void Write(string? line)
    {
        if (line is null) return;
        lock (log)
        {
            try { log.WriteLine(line); }
            catch (ObjectDisposedException) { }
        }
    }

    private async Task<int> WaitForExitCodeAsync()
    {
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    /// <summary>The Aspire dashboard, its OTLP receiver and its resource service on loopback ports free now, without a login.</summary>
    private static IEnumerable<KeyValuePair<string, string?>> DashboardOnFreePorts() =>
    [
        new("ASPNETCORE_URLS", $"http://127.0.0.1:{FreePort()}"),
        new("ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", $"http://127.0.0.1:{FreePort()}"),
        new("ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL", $"http://127.0.0.1:{FreePort()}"),
        new("ASPIRE_ALLOW_UNSECURED_TRANSPORT", "true"),
        new("ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS", "true"),
        new("DOTNET_ENVIRONMENT", "Development"),
    ];

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The dotnet host by its full path, so a test may start the AppHost with a PATH of its own (or none).</summary>
    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromSdk ? fromSdk
        : Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(folder => Path.Combine(folder, "dotnet")).FirstOrDefault(File.Exists) ?? "dotnet";

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>
    /// Linux ties the parent-death signal to the thread that forked the child, not the process: children are forked
    /// from this one thread, which lives as long as the process, so they die with it and not with a pool thread.
    /// </summary>
    private static class Spawner
    {
        private static readonly BlockingCollection<Action> Work = [];

        static Spawner()
        {
            new Thread(() => { foreach (var item in Work.GetConsumingEnumerable()) item(); })
            {
                IsBackground = true,
                Name = "apphost-spawner",
            }.Start();
        }

        public static Task<T> Run<T>(Func<T> start)
        {
            var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            Work.Add(() =>
            {
                try { result.SetResult(start()); }
                catch (Exception exception) { result.SetException(exception); }
            });
            return result.Task;
        }
    }
}
