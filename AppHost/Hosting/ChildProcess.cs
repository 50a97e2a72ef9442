using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Commerce.AppHost.Hosting;

/// <summary>What to run, as whom, with which environment.</summary>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
    public string? RunAsUser { get; init; }
    public string? WorkingDirectory { get; init; }
}

/// <summary>
/// A child program that cannot outlive the AppHost. Each runs as
/// <c>setsid setpriv --pdeathsig KILL -- env --default-signal=INT program</c>:
/// its own session (so a terminal's Ctrl+C reaches only the AppHost, which then stops children in order) and a
/// parent-death signal (so a crashed or killed AppHost takes its children with it).
/// </summary>
public sealed partial class ChildProcess
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private readonly Process process;

    private ChildProcess(Process process, ResourceLog log)
    {
        this.process = process;
        Pid = process.Id;
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) log.Write(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) log.Write(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Exited = WaitForExitCodeAsync();
    }

    public int Pid { get; }

    /// <summary>Completes with the exit code when the program ends, however it ends.</summary>
    public Task<int> Exited { get; }

    public static Task<ChildProcess> StartAsync(ProcessSpec spec, ResourceLog log) =>
        Spawner.Run(() => new ChildProcess(Process.Start(Wrap(spec))!, log));

    /// <summary>Runs a short command (initdb, chown) to completion; its output goes to <paramref name="log"/> if given.</summary>
    public static async Task<int> RunAsync(ProcessSpec spec, ResourceLog? log)
    {
        var info = Wrap(spec);
        using var process = await Spawner.Run(() => Process.Start(info)!);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        foreach (var line in ((await output) + (await error)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            log?.Write(line);
        }

        return process.ExitCode;
    }

    public static void RunToCompletion(string fileName, IReadOnlyList<string> arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(fileName, arguments) { RedirectStandardError = true })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed: {process.StandardError.ReadToEnd()}");
        }
    }

    public void Signal(int signal) => _ = Kill(Pid, signal);

    /// <summary>Asks politely with <paramref name="signal"/>, then kills after <paramref name="grace"/>.</summary>
    public async Task StopAsync(int signal, TimeSpan grace)
    {
        if (Exited.IsCompleted) return;
        Signal(signal);
        if (await Task.WhenAny(Exited, Task.Delay(grace)) != Exited)
        {
            Signal(SigKill);
            await Exited;
        }
    }

    private async Task<int> WaitForExitCodeAsync()
    {
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    private static ProcessStartInfo Wrap(ProcessSpec spec)
    {
        List<string> arguments = ["/usr/bin/setpriv", "--pdeathsig", "KILL"];
        if (spec.RunAsUser is { } user)
        {
            arguments.AddRange(["--reuid", user, "--regid", user, "--init-groups"]);
        }

        // A shell that starts us in the background (`cmd &`, nohup, a CI runner) makes SIGINT ignored, and an
        // ignored signal is inherited: .NET then will not even register a handler for it. Children in their own
        // session get SIGINT only from us (PostgreSQL's fast shutdown, the tests' Ctrl+C), so give it back to them.
        arguments.AddRange(["--", "/usr/bin/env", "--default-signal=INT"]);
        arguments.Add(spec.FileName);
        arguments.AddRange(spec.Arguments);
        var info = new ProcessStartInfo("/usr/bin/setsid", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = spec.WorkingDirectory ?? "/",
        };
        foreach (var (key, value) in spec.Environment)
        {
            // null: not inherited from this process.
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        return info;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>
    /// Linux ties the parent-death signal to the thread that forked the child, not the process: children are
    /// forked from this one thread, which lives as long as the AppHost, so they die with the AppHost and not before.
    /// </summary>
    private static class Spawner
    {
        private static readonly BlockingCollection<Action> Work = [];

        static Spawner()
        {
            new Thread(() => { foreach (var item in Work.GetConsumingEnumerable()) item(); })
            {
                IsBackground = true,
                Name = "child-process-spawner",
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
