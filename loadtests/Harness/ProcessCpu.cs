using System.Globalization;

namespace Commerce.LoadTests.Harness;

/// <summary>
/// CPU time of the system under test, per part (each service, PostgreSQL, RabbitMQ, Redis, Aspire's DCP, the AppHost),
/// read from /proc: user + system time of every process of the system (the AppHost's and DCP's trees, see
/// <see cref="CoreSplit.ProcessTree"/>), with the time of children they reaped
/// (PostgreSQL's ended backends count in the postmaster's). Two snapshots and a count give CPU per order, the figure the
/// cost-per-order issue is judged by; the harness's own CPU is a part of its own, outside the system's total.
/// </summary>
public sealed class ProcessCpu
{
    /// <summary>What "the harness" is called in the table.</summary>
    public const string Harness = "harness (this process)";

    private static readonly double TicksPerSecond = 100; // USER_HZ: 100 on every Linux the runtime supports
    private readonly Dictionary<int, (string Part, double Seconds)> processes;

    private ProcessCpu(Dictionary<int, (string Part, double Seconds)> processes) => this.processes = processes;

    /// <summary>Every process of the system (<see cref="CoreSplit.ProcessTree"/>) now, and this one; null off Linux or with no AppHost known.</summary>
    public static ProcessCpu? Snapshot(int? appHostPid)
    {
        if (!OperatingSystem.IsLinux() || appHostPid is not { } root) return null;
        var processes = new Dictionary<int, (string, double)>();
        foreach (var pid in CoreSplit.ProcessTree(root).Append(Environment.ProcessId))
        {
            if (Read(pid) is { } seconds)
            {
                processes[pid] = (pid == Environment.ProcessId ? Harness : PartOf(pid, root), seconds);
            }
        }

        return processes.Count == 0 ? null : new ProcessCpu(processes);
    }

    /// <summary>
    /// CPU seconds per part between <paramref name="before"/> and this snapshot. A process that started in between counts
    /// from zero; one that ended in between is lost unless its parent reaped it (then it is in the parent's figure).
    /// </summary>
    public IReadOnlyDictionary<string, double> Since(ProcessCpu before)
    {
        var parts = new Dictionary<string, double>();
        foreach (var (pid, (part, seconds)) in processes)
        {
            var start = before.processes.TryGetValue(pid, out var earlier) ? earlier.Seconds : 0;
            parts[part] = parts.GetValueOrDefault(part) + Math.Max(0, seconds - start);
        }

        return parts;
    }

    /// <summary>CPU seconds of the system alone: every part of <see cref="Since"/>'s figures but the harness.</summary>
    public static double SystemSeconds(IReadOnlyDictionary<string, double> seconds) =>
        seconds.Where(part => part.Key != Harness).Sum(part => part.Value);

    /// <summary>The table: milliseconds of CPU per <paramref name="unit"/> for each part, the system's total, and the harness.</summary>
    public static ReportSection PerUnit(IReadOnlyDictionary<string, double> seconds, long count, string unit, string text)
    {
        var system = seconds.Where(part => part.Key != Harness).OrderByDescending(part => part.Value).ToList();
        var rows = system.Append(new("system total", system.Sum(part => part.Value))).Append(new(Harness, seconds.GetValueOrDefault(Harness)))
            .Select(part => (IReadOnlyList<string>)[part.Key, Milliseconds(part.Value, count), part.Value.ToString("F1", CultureInfo.InvariantCulture)])
            .ToList();
        return new ReportSection($"CPU per {unit}", text, ["part", $"CPU ms per {unit}", "CPU s in all"], rows);

        static string Milliseconds(double seconds, long count) =>
            count == 0 ? "n/a" : (seconds * 1000 / count).ToString("F2", CultureInfo.InvariantCulture);
    }

    /// <summary>utime + stime + cutime + cstime (stat(5)'s fields 14–17) in seconds; null when the process ended meanwhile.</summary>
    private static double? Read(int pid) =>
        ProcStat.Fields(pid) is { } fields
            ? Enumerable.Range(11, 4).Sum(i => double.Parse(fields[i], CultureInfo.InvariantCulture)) / TicksPerSecond
            : null;

    /// <summary>A process's part: the service folder it runs from, or the program it is.</summary>
    private static string PartOf(int pid, int appHostPid)
    {
        if (pid == appHostPid) return "AppHost";
        string command;
        try
        {
            command = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "other";
        }

        // `dotnet run` launchers (how DCP starts a project) idle once their program runs: one part for all of them.
        if (command.StartsWith("dotnet run", StringComparison.Ordinal)) return "launchers (dotnet run)";
        var services = command.IndexOf("/services/", StringComparison.Ordinal);
        if (services >= 0) return command[(services + "/services/".Length)..].Split('/', ' ')[0];

        return command switch
        {
            _ when command.Contains("/Operations/", StringComparison.Ordinal) => "operations page",
            _ when command.Contains("postgres", StringComparison.Ordinal) => "PostgreSQL",
            _ when command.Contains("beam.smp", StringComparison.Ordinal) || command.Contains("erl_child_setup", StringComparison.Ordinal)
                || command.Contains("epmd", StringComparison.Ordinal) || command.Contains("inet_gethost", StringComparison.Ordinal) => "RabbitMQ",
            _ when command.Contains("redis-server", StringComparison.Ordinal) => "Redis",
            _ when command.Contains("dcp", StringComparison.Ordinal) => "DCP (Aspire)",
            _ when command.Contains("prometheus", StringComparison.Ordinal) || command.Contains("alertmanager", StringComparison.Ordinal) => "Prometheus, Alertmanager",
            _ when command.Contains("Aspire.Dashboard", StringComparison.Ordinal) => "Aspire dashboard",
            _ => "other",
        };
    }
}
