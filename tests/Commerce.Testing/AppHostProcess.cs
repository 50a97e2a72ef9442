using System.Text.Json;
using Commerce.AppHost.Hosting;

namespace Commerce.Testing;

/// <summary>
/// A real AppHost process, as a developer starts it, with its own state folder. It runs under the parent-death
/// signal like every AppHost child, so a test run that dies takes it (and everything it started) along.
/// </summary>
public sealed class AppHostProcess : IAsyncDisposable
{
    private readonly ChildProcess process;

    private AppHostProcess(ChildProcess process, string stateDirectory, ResourceLog log)
    {
        this.process = process;
        StateDirectory = stateDirectory;
        Log = log;
    }

    public string StateDirectory { get; }
    public ResourceLog Log { get; }
    public int Pid => process.Pid;
    public Task<int> Exited => process.Exited;
    public string EndpointsPath => Path.Combine(StateDirectory, "endpoints.json");

    public static async Task<AppHostProcess> StartAsync(
        string stateDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, string? path = null)
    {
        Directory.CreateDirectory(stateDirectory);
        var logPath = Path.Combine(stateDirectory, "apphost.log");
        var log = new ResourceLog("apphost", logPath, 0);
        ResourceLog.EchoToConsole = false;
        var variables = new Dictionary<string, string?>(environment)
        {
            ["MASSTRANSIT_USAGE_TELEMETRY"] = "false",
        };
        if (path is not null) variables["PATH"] = path;
        var process = await ChildProcess.StartAsync(
            new ProcessSpec(DotnetHost.Path, [RepositoryPaths.AppHostDll, "--state-dir", stateDirectory, "--quiet", .. arguments])
            {
                Environment = variables,
                WorkingDirectory = RepositoryPaths.Root,
            },
            log);
        return new AppHostProcess(process, stateDirectory, log);
    }

    /// <summary>Waits for endpoints.json, which the AppHost writes once every resource is healthy.</summary>
    public async Task<JsonElement> WaitUntilHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.Exited.IsCompleted)
            {
                throw new InvalidOperationException($"The AppHost exited with {process.Exited.Result} while starting:\n{string.Join('\n', Log.Tail(40))}");
            }

            if (File.Exists(EndpointsPath))
            {
                return ReadEndpoints();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        throw new TimeoutException($"The AppHost was not healthy within {timeout.TotalSeconds} s:\n{string.Join('\n', Log.Tail(40))}");
    }

    public JsonElement ReadEndpoints()
    {
        // The AppHost replaces the file with a rename, so a read sees the old or the new file, never half of one.
        using var document = JsonDocument.Parse(File.ReadAllText(EndpointsPath));
        return document.RootElement.Clone();
    }

    /// <summary>Ctrl+C, as a person would press it; returns the exit code.</summary>
    public async Task<int> InterruptAsync(TimeSpan timeout)
    {
        process.Signal(ChildProcess.SigInt);
        return await process.Exited.WaitAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        await process.StopAsync(ChildProcess.SigTerm, TimeSpan.FromSeconds(60));
    }
}
