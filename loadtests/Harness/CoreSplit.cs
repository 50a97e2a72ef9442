using System.Diagnostics;
using System.Globalization;

namespace Commerce.LoadTests.Harness;

/// <summary>
/// Puts the system under test (the AppHost and every process it started: services, PostgreSQL, Redis, RabbitMQ) on
/// the first core and this process and the load generators it runs on the others, until disposed. On a shared
/// machine a generator's own CPU comes out of the system's, so a cheaper generator measures a faster system; split,
/// every generator measures the same server, and where their figures still differ, they differ in measuring.
/// </summary>
/// <remarks>Uses <c>taskset</c> (util-linux, in every Debian): the runtime can pin only its own process.</remarks>
public sealed class CoreSplit : IDisposable
{
    private readonly IReadOnlyList<int> systemPids;
    private readonly string allCores;

    private CoreSplit(IReadOnlyList<int> systemPids, string systemCores, string generatorCores, string allCores)
    {
        this.systemPids = systemPids;
        SystemCores = systemCores;
        GeneratorCores = generatorCores;
        this.allCores = allCores;
    }

    /// <summary>taskset's list of the cores the system runs on ("0").</summary>
    public string SystemCores { get; }

    /// <summary>taskset's list of the cores the load generators run on ("1", or "1-3").</summary>
    public string GeneratorCores { get; }

    /// <summary>Pins the process tree under <paramref name="appHostPid"/> to core 0 and this process to the rest.</summary>
    public static async Task<CoreSplit> ApplyAsync(int appHostPid)
    {
        var cores = Environment.ProcessorCount;
        if (!OperatingSystem.IsLinux() || cores < 2)
        {
            throw new UsageException($"--split-cores needs Linux and two cores or more (this machine: {cores}).");
        }

        var pids = ProcessTree(appHostPid);
        if (pids.Count == 0)
        {
            throw new UsageException($"--split-cores: the AppHost (pid {appHostPid}) is not running.");
        }

        var split = new CoreSplit(pids, "0", cores == 2 ? "1" : $"1-{cores - 1}", $"0-{cores - 1}");
        foreach (var pid in pids)
        {
            await TasksetAsync(split.SystemCores, pid);
        }

        await TasksetAsync(split.GeneratorCores, Environment.ProcessId);
        Console.WriteLine($"Cores split: the system ({pids.Count} processes) on core {split.SystemCores}, load generators on {split.GeneratorCores}.");
        return split;
    }

    /// <summary>The program and arguments that run <paramref name="tool"/> on the generators' cores.</summary>
    public (string Program, string[] Arguments) Wrap(string tool, string[] arguments) =>
        ("taskset", ["-c", GeneratorCores, tool, .. arguments]);

    /// <summary>Every core for everyone again (a system found running keeps running as before).</summary>
    public void Dispose()
    {
        foreach (var pid in systemPids.Append(Environment.ProcessId))
        {
            TasksetAsync(allCores, pid).GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// The AppHost <paramref name="appHost"/>, its descendants, and those of Aspire's DCP, which runs the system's processes
    /// (services, PostgreSQL, RabbitMQ, Redis) but is started apart from the AppHost (its parent is init) and watches it
    /// (<c>dcp start-apiserver --monitor PID</c>). From each /proc/PID/stat's parent pid.
    /// </summary>
    internal static List<int> ProcessTree(int appHost)
    {
        var parents = new Dictionary<int, int>();
        var roots = new List<int>();
        var monitoring = $"--monitor {appHost.ToString(CultureInfo.InvariantCulture)}";
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || ProcStat.Fields(pid) is not { } fields)
            {
                continue;
            }

            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            parents[pid] = parent;
            try
            {
                if (pid == appHost
                    || (parent == 1 && File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Contains(monitoring, StringComparison.Ordinal)))
                {
                    roots.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        var tree = new List<int>();
        if (!roots.Contains(appHost))
        {
            return tree;
        }

        var pending = new Queue<int>(roots);
        while (pending.TryDequeue(out var pid))
        {
            tree.Add(pid);
            foreach (var child in parents.Where(p => p.Value == pid).Select(p => p.Key))
            {
                pending.Enqueue(child);
            }
        }

        return tree;
    }

    /// <summary>Sets every thread of <paramref name="pid"/> to <paramref name="cores"/>; threads started later inherit it.</summary>
    private static async Task TasksetAsync(string cores, int pid)
    {
        var start = new ProcessStartInfo("taskset") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--all-tasks", "--cpu-list", "--pid", cores, pid.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        // A process that ended meanwhile cannot be pinned and needs not be.
        if (process.ExitCode != 0 && Directory.Exists($"/proc/{pid}"))
        {
            throw new InvalidOperationException($"taskset could not pin pid {pid} to cores {cores}: {error.Trim()}");
        }
    }
}
