using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Commerce.LoadTests.Harness;

/// <summary>What a reference load tool measured; <see cref="Skipped"/> says why there is nothing when it did not run.</summary>
public sealed record ToolMeasurement(
    string Tool,
    string Command,
    double Rps,
    double? P50Ms,
    double? P99Ms,
    long Requests,
    long Errors,
    string? Skipped = null,
    double? CpuSeconds = null)
{
    /// <summary>The load generator's own CPU per thousand requests: what it takes from the system it measures.</summary>
    public double? CpuMsPerThousand => CpuSeconds is { } cpu && Requests > 0 ? cpu * 1_000_000 / Requests : null;

    public static ToolMeasurement FromHarness(Stats stats, TimeSpan cpu) => new(
        "harness", "calibrate's ping scenario (this process)", stats.Rps, stats.Latency.P50Ms, stats.Latency.P99Ms,
        stats.Requests, stats.Fail, null, cpu.TotalSeconds);
}

/// <summary>
/// Runs wrk and hey (C and Go load generators) on the same URL at the same concurrency and duration as a harness run,
/// and parses their summaries, so a report can show whether the harness itself is the bottleneck.
/// </summary>
public static partial class ReferenceTools
{
    public const string Harness = "harness";

    /// <summary>The tools a comparison runs, in the order of its first round.</summary>
    private static readonly string[] Tools = [Harness, "wrk", "hey"];

    /// <summary>
    /// Runs wrk or hey once against <paramref name="url"/> with <paramref name="connections"/> connections; with a
    /// <paramref name="split"/>, on the load generators' cores.
    /// </summary>
    public static Task<ToolMeasurement> MeasureAsync(
        string tool, Uri url, int connections, TimeSpan duration, CoreSplit? split = null, CancellationToken cancellationToken = default)
    {
        var seconds = Math.Max(1, (int)Math.Round(duration.TotalSeconds));
        var threads = Math.Max(1, Math.Min(Environment.ProcessorCount, connections));
        var limit = TimeSpan.FromSeconds(seconds + 60);
        return tool switch
        {
            "wrk" => RunAsync("wrk", ["-t", $"{threads}", "-c", $"{connections}", "-d", $"{seconds}s", "--latency", url.ToString()], split, limit, ParseWrk, cancellationToken),
            "hey" => RunAsync("hey", ["-z", $"{seconds}s", "-c", $"{connections}", url.ToString()], split, limit, ParseHey, cancellationToken),
            _ => throw new ArgumentException($"not a reference tool: {tool}", nameof(tool)),
        };
    }

    /// <summary>Round r runs the tools starting from the r-th, so no tool always goes first (on a cold system) or last.</summary>
    public static IReadOnlyList<string> OrderOfRound(int round) =>
        Tools.Skip((round - 1) % Tools.Length).Concat(Tools.Take((round - 1) % Tools.Length)).ToList();

    /// <summary>
    /// Every round's figures, then each tool's median over the rounds; "harness vs" compares the harness with the tool
    /// in the same round, and medians with medians.
    /// </summary>
    public static ReportSection Comparison(IReadOnlyList<(int Round, ToolMeasurement Measurement)> runs, CoreSplit? split = null)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var round in runs.GroupBy(r => r.Round).OrderBy(g => g.Key))
        {
            var harness = round.FirstOrDefault(r => r.Measurement.Tool == Harness).Measurement;
            rows.AddRange(round.Select(r => Row(round.Key.ToString(CultureInfo.InvariantCulture), r.Measurement, harness)));
        }

        var medians = runs
            .Select(r => r.Measurement)
            .Where(m => m.Skipped is null)
            .GroupBy(m => m.Tool)
            .Select(g => new ToolMeasurement(
                g.Key, g.First().Command, Median(g.Select(m => m.Rps)), MedianOrNull(g.Select(m => m.P50Ms)), MedianOrNull(g.Select(m => m.P99Ms)),
                (long)Median(g.Select(m => (double)m.Requests)), (long)Median(g.Select(m => (double)m.Errors)), null, MedianOrNull(g.Select(m => m.CpuSeconds))))
            .OrderBy(m => Array.IndexOf(Tools, m.Tool))
            .ToList();
        var harnessMedian = medians.FirstOrDefault(m => m.Tool == Harness);
        rows.AddRange(medians.Select(m => Row("median", m, harnessMedian)));

        var where = split is null
            ? "The machine also runs the system under test, so a load generator that needs more CPU per request leaves the " +
              "system less: compare the CPU column before the req/s."
            : $"Cores split: the system on core {split.SystemCores}, each load generator on {split.GeneratorCores}, so no " +
              "generator's own CPU comes out of the system's.";
        return new ReportSection(
            split is null ? "Harness against wrk and hey" : "Harness against wrk and hey, cores split",
            "Same URL, concurrency and duration, one after the other, in rounds whose order rotates. " + where +
            " \"harness vs\" is (harness − tool) / tool.",
            ["round", "tool", "requests", "req/s", "p50 ms", "p99 ms", "errors", "CPU ms per 1,000 req", "harness req/s vs", "harness p50 vs", "command"],
            rows);
    }

    private static IReadOnlyList<string> Row(string round, ToolMeasurement tool, ToolMeasurement? harness) => tool.Skipped is not null
        ? [round, tool.Tool, "", "", "", "", "", "", "", "", $"skipped: {tool.Skipped}"]
        :
        [
            round,
            tool.Tool,
            Format.Count(tool.Requests),
            Format.Rate(tool.Rps),
            tool.P50Ms is { } p50 ? Format.Ms(p50) : "",
            tool.P99Ms is { } p99 ? Format.Ms(p99) : "",
            Format.Count(tool.Errors),
            tool.CpuMsPerThousand is { } cpu ? cpu.ToString("0.#", CultureInfo.InvariantCulture) : "",
            harness is null || tool.Tool == Harness ? "" : Format.Difference(harness.Rps, tool.Rps),
            harness?.P50Ms is { } mine && tool.P50Ms is { } theirs && tool.Tool != Harness ? Format.Difference(mine, theirs) : "",
            tool.Command,
        ];

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static double? MedianOrNull(IEnumerable<double?> values)
    {
        var known = values.OfType<double>().ToList();
        return known.Count == 0 ? null : Median(known);
    }

    /// <summary>Parses wrk's summary (run with --latency).</summary>
    public static ToolMeasurement ParseWrk(string command, string output)
    {
        var rps = Match(WrkRps(), output);
        if (rps is null)
        {
            return Failed("wrk", command, output);
        }

        var socketErrors = WrkSocketErrors().Match(output);
        return new ToolMeasurement(
            "wrk",
            command,
            Number(rps),
            WrkPercentile(output, "50"),
            WrkPercentile(output, "99"),
            long.Parse(Match(WrkRequests(), output) ?? "0", CultureInfo.InvariantCulture),
            long.Parse(Match(WrkNon2xx(), output) ?? "0", CultureInfo.InvariantCulture)
                + (socketErrors.Success ? socketErrors.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture)) : 0));
    }

    /// <summary>Parses hey's default summary. Requests it could not send at all (refused connections) count as errors.</summary>
    public static ToolMeasurement ParseHey(string command, string output)
    {
        var rps = Match(HeyRps(), output);
        if (rps is null)
        {
            return Failed("hey", command, output);
        }

        var statuses = HeyStatus().Matches(output).Select(m => (Code: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Count: long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();
        var errors = ErrorSection().Match(output) is { Success: true } section
            ? HeyErrorCount().Matches(section.Value).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            : 0;
        return new ToolMeasurement(
            "hey",
            command,
            Number(rps),
            Match(HeyP50(), output) is { } p50 ? Number(p50) * 1000 : null,
            Match(HeyP99(), output) is { } p99 ? Number(p99) * 1000 : null,
            statuses.Sum(s => s.Count) + errors,
            statuses.Where(s => s.Code is < 200 or >= 400).Sum(s => s.Count) + errors);
    }

    private static async Task<ToolMeasurement> RunAsync(
        string tool, string[] arguments, CoreSplit? split, TimeSpan limit, Func<string, string, ToolMeasurement> parse, CancellationToken cancellationToken)
    {
        var (program, programArguments) = split?.Wrap(tool, arguments) ?? (tool, arguments);
        var command = $"{program} {string.Join(' ', programArguments)}";
        if (FindOnPath(tool) is null)
        {
            Console.WriteLine($"{tool} is not installed (not on PATH): skipped.");
            return new ToolMeasurement(tool, command, 0, null, null, 0, 0, "not installed");
        }

        Console.WriteLine($"Running {command}");
        var start = new ProcessStartInfo(FindOnPath(program) ?? program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in programArguments)
        {
            start.ArgumentList.Add(argument);
        }

        var cpuBefore = ChildrenCpu.Used();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            // Both tools stop themselves after the duration; a minute more means something hangs.
            await process.WaitForExitAsync(cancellationToken).WaitAsync(limit, cancellationToken);
        }
        catch (TimeoutException)
        {
            process.Kill();
            return new ToolMeasurement(tool, command, 0, null, null, 0, 0, $"still running {limit.TotalSeconds:0} s after it started; stopped");
        }

        // Waited-for children's CPU: only this tool ended between the two readings.
        var cpu = ChildrenCpu.Used() - cpuBefore;
        return parse(command, await stdout + await stderr) with { CpuSeconds = cpu?.TotalSeconds };
    }

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);

    private static ToolMeasurement Failed(string tool, string command, string output) =>
        new(tool, command, 0, null, null, 0, 0, $"no summary in its output: {output.Trim().ReplaceLineEndings(" ")}");

    private static double? WrkPercentile(string output, string percentile)
    {
        var match = Regex.Match(output, $@"^\s*{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline);
        if (!match.Success)
        {
            return null;
        }

        var value = Number(match.Groups[1].Value);
        return match.Groups[2].Value switch { "us" => value / 1000, "ms" => value, "s" => value * 1000, _ => value * 60_000 };
    }

    private static string? Match(Regex regex, string output) => regex.Match(output) is { Success: true } m ? m.Groups[1].Value : null;

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^Requests/sec:\s+([\d.]+)", RegexOptions.Multiline)]
    private static partial Regex WrkRps();

    [GeneratedRegex(@"(\d+) requests in ")]
    private static partial Regex WrkRequests();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex WrkNon2xx();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex WrkSocketErrors();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex HeyRps();

    [GeneratedRegex(@"^\s*50% in ([\d.]+) secs", RegexOptions.Multiline)]
    private static partial Regex HeyP50();

    [GeneratedRegex(@"^\s*99% in ([\d.]+) secs", RegexOptions.Multiline)]
    private static partial Regex HeyP99();

    [GeneratedRegex(@"^\s*\[(\d{3})\]\s+(\d+) responses", RegexOptions.Multiline)]
    private static partial Regex HeyStatus();

    [GeneratedRegex(@"Error distribution:[\s\S]*")]
    private static partial Regex ErrorSection();

    [GeneratedRegex(@"^\s*\[(\d+)\]\s", RegexOptions.Multiline)]
    private static partial Regex HeyErrorCount();
}

/// <summary>
/// getrusage(RUSAGE_CHILDREN): the CPU used by this process's children that have ended and been waited for. .NET has no
/// API for an exited child's CPU (Process.TotalProcessorTime reads /proc, gone once it is reaped), so this is the one call.
/// </summary>
internal static class ChildrenCpu
{
    private const int RusageChildren = -1;

    public static TimeSpan? Used() =>
        GetRusage(RusageChildren, out var usage) == 0
            ? TimeSpan.FromTicks((usage.UserSeconds + usage.SystemSeconds) * TimeSpan.TicksPerSecond
                + (usage.UserMicros + usage.SystemMicros) * TimeSpan.TicksPerMicrosecond)
            : null;

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, out Rusage usage);

    /// <summary>struct rusage on 64-bit Linux: two timevals, then fourteen longs this code does not read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicros;
        public long SystemSeconds;
        public long SystemMicros;
        public FourteenLongs Rest;
    }

    [System.Runtime.CompilerServices.InlineArray(14)]
    private struct FourteenLongs
    {
        private long first;
    }
}
