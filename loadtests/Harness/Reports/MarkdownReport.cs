using System.Text;

namespace Commerce.LoadTests.Harness;

/// <summary>report.md: the same tables as the console, readable in a pull request.</summary>
internal static class MarkdownReport
{
    public static string Render(RunResult run)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Load test: {run.Suite}").AppendLine();
        foreach (var line in Header(run))
        {
            md.AppendLine($"- {line}");
        }

        foreach (var problem in ReportTables.AllProblems(run))
        {
            md.AppendLine($"- **Problem:** {problem}");
        }

        md.AppendLine();
        foreach (var section in ReportTables.All(run))
        {
            Table(md, "##", section);
        }

        md.AppendLine("## Per second").AppendLine();
        foreach (var stats in run.Scenarios.SelectMany(s => s.Steps.Prepend(s.Stats)))
        {
            var timeline = ReportTables.Timeline(stats);
            md.AppendLine($"<details><summary>{timeline.Title}</summary>").AppendLine();
            Table(md, null, timeline);
            md.AppendLine("</details>").AppendLine();
        }

        return md.ToString();
    }

    /// <summary>The lines under the title of every report.</summary>
    internal static IEnumerable<string> Header(RunResult run)
    {
        yield return $"Result: {(run.Passed ? "PASS" : "FAIL")}";
        yield return $"Target: {(run.Target.Length == 0 ? "(not recorded)" : run.Target)}";
        yield return $"Started: {run.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, wall time {run.WallTime.TotalSeconds:0} s";
        yield return $"Load generator: {Environment.MachineName}, {Environment.ProcessorCount} cores, .NET {Environment.Version}";
    }

    private static void Table(StringBuilder md, string? heading, ReportSection section)
    {
        if (heading is not null)
        {
            md.AppendLine($"{heading} {section.Title}").AppendLine();
        }

        if (section.Text is not null)
        {
            md.AppendLine(section.Text).AppendLine();
        }

        if (section.Rows.Count == 0)
        {
            return;
        }

        md.AppendLine($"| {string.Join(" | ", section.Headers.Select(Cell))} |");
        md.AppendLine($"|{string.Concat(section.Headers.Select(_ => "---|"))}");
        foreach (var row in section.Rows)
        {
            md.AppendLine($"| {string.Join(" | ", row.Select(Cell))} |");
        }

        md.AppendLine();
    }

    private static string Cell(string text) => text.Replace("|", "\\|").ReplaceLineEndings(" ");
}
