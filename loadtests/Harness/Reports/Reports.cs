using System.Text.Json;
using System.Text.Json.Serialization;

namespace Commerce.LoadTests.Harness;

/// <summary>Writes report.md, report.html and report.json (every figure, including the per-second timelines) into one folder.</summary>
public static class Reports
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static async Task WriteAsync(RunResult run, string folder)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.md"), MarkdownReport.Render(run));
        await File.WriteAllTextAsync(Path.Combine(folder, "report.html"), HtmlReport.Render(run));
        await File.WriteAllTextAsync(Path.Combine(folder, "report.json"), JsonSerializer.Serialize(run, Json));
        Console.WriteLine($"Reports: {Path.GetFullPath(folder)}/report.{{md,html,json}}");
    }
}
