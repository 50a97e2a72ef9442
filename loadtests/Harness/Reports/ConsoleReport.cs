using Spectre.Console;

namespace Commerce.LoadTests.Harness;

/// <summary>The end-of-run summary on the console: figures, then thresholds and problems, the verdict last where it is seen.</summary>
public static class ConsoleReport
{
    public static void Print(RunResult run)
    {
        foreach (var section in ReportTables.All(run))
        {
            Print(section);
        }

        foreach (var problem in ReportTables.AllProblems(run))
        {
            AnsiConsole.MarkupLine($"[red]PROBLEM[/] {Markup.Escape(problem)}");
        }

        var failed = run.Thresholds.Count(t => !t.Passed);
        AnsiConsole.MarkupLine(run.Passed
            ? $"[green]PASS[/] {Markup.Escape(run.Suite)}: all {run.Thresholds.Count} thresholds passed."
            : $"[red]FAIL[/] {Markup.Escape(run.Suite)}: {failed} of {run.Thresholds.Count} thresholds failed, {ReportTables.AllProblems(run).Count()} problems.");
    }

    public static void Print(ReportSection section)
    {
        // Redirected output (CI logs, files) gets 80 columns by default, which folds every number in two.
        if (Console.IsOutputRedirected && AnsiConsole.Profile.Width < 180)
        {
            AnsiConsole.Profile.Width = 180;
        }

        if (section.Headers.Count == 0)
        {
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(section.Title)}[/]: {Markup.Escape(section.Text ?? "")}");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(section.Title));
        foreach (var header in section.Headers)
        {
            table.AddColumn(Markup.Escape(header));
        }

        foreach (var row in section.Rows)
        {
            table.AddRow(row.Select(Colour).ToArray());
        }

        AnsiConsole.Write(table);
        if (section.Text is not null)
        {
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(section.Text)}[/]");
        }
    }

    private static string Colour(string cell) => cell switch
    {
        "PASS" => "[green]PASS[/]",
        "FAIL" => "[red]FAIL[/]",
        _ => Markup.Escape(cell),
    };
}
