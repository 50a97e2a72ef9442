using System.Diagnostics;
using System.Globalization;
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
    string? Skipped = null);

/// <summary>
/// Runs wrk and hey (C and Go load generators) on the same URL at the same concurrency and duration as a harness run,
/// and parses their summaries, so a report can show whether the harness itself is the bottleneck.
/// </summary>
public static partial class ReferenceTools
{
    public static async Task<IReadOnlyList<ToolMeasurement>> MeasureAsync(Uri url, int connections, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var seconds = Math.Max(1, (int)Math.Round(duration.TotalSeconds));
        var threads = Math.Max(1, Math.Min(Environment.ProcessorCount, connections));
        var limit = TimeSpan.FromSeconds(seconds + 60);
        return
        [
            await RunAsync("wrk", ["-t", $"{threads}", "-c", $"{connections}", "-d", $"{seconds}s", "--latency", url.ToString()], limit, ParseWrk, cancellationToken),
            await RunAsync("hey", ["-z", $"{seconds}s", "-c", $"{connections}", url.ToString()], limit, ParseHey, cancellationToken),
        ];
    }

    /// <summary>The side-by-side table: each tool's figures and how far the harness's are from them.</summary>
    public static ReportSection Comparison(Stats harness, IReadOnlyList<ToolMeasurement> tools) => new(
        "Harness against wrk and hey",
        "Same URL, concurrency and duration, one after the other on the same machine (which also runs the system under " +
        "test, so a leaner load generator leaves it more CPU). \"harness vs\" is (harness − tool) / tool.",
        ["tool", "requests", "req/s", "p50 ms", "p99 ms", "errors", "harness req/s vs", "harness p50 vs", "command"],
        tools.Select(t => (IReadOnlyList<string>)(t.Skipped is not null
                ? [t.Tool, "", "", "", "", "", "", "", $"skipped: {t.Skipped}"]
                :
                [
                    t.Tool,
                    Format.Count(t.Requests),
                    Format.Rate(t.Rps),
                    t.P50Ms is { } p50 ? Format.Ms(p50) : "",
                    t.P99Ms is { } p99 ? Format.Ms(p99) : "",
                    Format.Count(t.Errors),
                    Format.Difference(harness.Rps, t.Rps),
                    t.P50Ms is { } reference ? Format.Difference(harness.Latency.P50Ms, reference) : "",
                    t.Command,
                ]))
            .Prepend(
            [
                "harness",
                Format.Count(harness.Requests),
                Format.Rate(harness.Rps),
                Format.Ms(harness.Latency.P50Ms),
                Format.Ms(harness.Latency.P99Ms),
                Format.Count(harness.Fail),
                "",
                "",
                "this run (after its warm-up)",
            ])
            .ToList());

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
        string tool, string[] arguments, TimeSpan limit, Func<string, string, ToolMeasurement> parse, CancellationToken cancellationToken)
    {
        var command = $"{tool} {string.Join(' ', arguments)}";
        var path = FindOnPath(tool);
        if (path is null)
        {
            Console.WriteLine($"{tool} is not installed (not on PATH): skipped.");
            return new ToolMeasurement(tool, command, 0, null, null, 0, 0, "not installed");
        }

        Console.WriteLine($"Running {command}");
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

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

        return parse(command, await stdout + await stderr);
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
