using System.Diagnostics;
using System.Text.Json;

namespace Commerce.Tests.AppHost;

/// <summary>The AppHost's deployment manifest, as <c>dotnet run --project AppHost -- --publisher manifest</c> writes it.</summary>
public static class AppHostManifest
{
    public static async Task<JsonElement> PublishAsync()
    {
        var output = Path.Combine(RepositoryPaths.NewTemporaryFolder("manifest"), "manifest.json");
        var info = new ProcessStartInfo("dotnet", [RepositoryPaths.AppHostDll, "--publisher", "manifest", "--output-path", output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(RepositoryPaths.AppHostDll)!,
        };
        using var process = Process.Start(info)!;
        var log = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"publishing failed ({process.ExitCode}):\n{await log}\n{await errors}");
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken));
        return document.RootElement.Clone();
    }
}
