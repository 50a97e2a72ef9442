using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Commerce.LoadTests.Harness;

/// <summary>report.html: one self-contained file (inline CSS and SVG, nothing fetched) with the tables and charts over time.</summary>
internal static partial class HtmlReport
{
    private const string Style = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
        table { border-collapse: collapse; margin: .5em 0 1.5em; }
        th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
        th { background: #f3f3f3; }
        td.n { text-align: right; }
        .pass { color: #176f2c; font-weight: bold; }
        .fail { color: #b00020; font-weight: bold; }
        .note { color: #666; }
        svg { display: block; margin: .5em 0 1em; font-size: 11px; }
        """;

    public static string Render(RunResult run)
    {
        var html = new StringBuilder();
        html.Append($"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{E(run.Suite)}: load test report</title>");
        html.Append($"<style>{Style}</style></head><body><h1>Load test: {E(run.Suite)}</h1><ul>");
        foreach (var line in MarkdownReport.Header(run))
        {
            html.Append($"<li>{E(line)}</li>");
        }

        foreach (var problem in ReportTables.AllProblems(run))
        {
            html.Append($"<li class=\"fail\">Problem: {E(problem)}</li>");
        }

        html.Append("</ul>");
        foreach (var section in ReportTables.All(run))
        {
            Table(html, section, "h2");
        }

        foreach (var scenario in run.Scenarios)
        {
            html.Append($"<h2>Over time: {E(scenario.Name)}</h2>");
            Charts(html, scenario);
        }

        html.Append("<h2>Per second</h2>");
        foreach (var stats in run.Scenarios.SelectMany(s => s.Steps.Prepend(s.Stats)))
        {
            var timeline = ReportTables.Timeline(stats);
            html.Append($"<details><summary>{E(timeline.Title)}</summary>");
            Table(html, timeline, null);
            html.Append("</details>");
        }

        return html.Append("</body></html>").ToString();
    }

    private static void Charts(StringBuilder html, ScenarioResult scenario)
    {
        var timeline = scenario.Stats.Timeline;
        html.Append(SvgChart.Line("Answers per second", "req/s",
        [
            new("all", "#1f6feb", timeline.Select(p => (p.Second, (double?)p.Rps)).ToList()),
            new("failed", "#d1242f", timeline.Select(p => (p.Second, (double?)(p.Requests == 0 ? 0 : p.Fail * p.Rps / p.Requests))).ToList()),
        ]));
        html.Append(SvgChart.Line("Latency", "ms",
        [
            new("p50", "#2da44e", timeline.Select(p => (p.Second, p.P50Ms)).ToList()),
            new("p95", "#bf8700", timeline.Select(p => (p.Second, p.P95Ms)).ToList()),
        ]));
        if (scenario.Steps.Count > 0)
        {
            string[] colours = ["#1f6feb", "#2da44e", "#bf8700", "#8250df", "#d1242f", "#57606a"];
            html.Append(SvgChart.Line("Step latency p95", "ms", scenario.Steps
                .Select((step, i) => new SvgChart.Series(step.Step!, colours[i % colours.Length], step.Timeline.Select(p => (p.Second, p.P95Ms)).ToList()))
                .ToList()));
        }
    }

    private static void Table(StringBuilder html, ReportSection section, string? heading)
    {
        if (heading is not null)
        {
            html.Append($"<{heading}>{E(section.Title)}</{heading}>");
        }

        if (section.Text is not null)
        {
            html.Append($"<p class=\"note\">{E(section.Text)}</p>");
        }

        if (section.Rows.Count == 0)
        {
            return;
        }

        html.Append("<table><tr>");
        foreach (var header in section.Headers)
        {
            html.Append($"<th>{E(header)}</th>");
        }

        html.Append("</tr>");
        foreach (var row in section.Rows)
        {
            html.Append("<tr>");
            foreach (var cell in row)
            {
                var css = cell switch
                {
                    "PASS" => " class=\"pass\"",
                    "FAIL" => " class=\"fail\"",
                    _ when NumberCell().IsMatch(cell) => " class=\"n\"",
                    _ => "",
                };
                html.Append($"<td{css}>{E(cell)}</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</table>");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    [GeneratedRegex(@"^[+−-]?[\d,.]+( %)?$")]
    private static partial Regex NumberCell();
}
