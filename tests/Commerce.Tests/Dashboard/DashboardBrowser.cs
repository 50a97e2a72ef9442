using System.Text.Json;
using Commerce.AppHost.Hosting.Resources;
using Microsoft.Playwright;

namespace Commerce.Tests.Dashboard;

/// <summary>
/// A system of its own whose Prometheus also loads a drill rule that always fires, and its dashboard opened once in
/// headless Chromium (Debian's, never a downloaded one). The page is never reloaded: what it shows arrives by polling.
/// </summary>
public sealed class DashboardBrowser : IAsyncLifetime
{
    public const string DrillAlert = "DashboardDrillAlwaysFiring";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private IPlaywright? playwright;
    private IBrowser? browser;
    private int navigations;

    public CommerceSystem System { get; private set; } = null!;
    public IPage Page { get; private set; } = null!;

    /// <summary>How many times the page navigated (1: opened and never reloaded).</summary>
    public int Navigations => navigations;

    public async ValueTask InitializeAsync()
    {
        var rules = Path.Combine(RepositoryPaths.NewTemporaryFolder("dashboard-rules"), "drill.yml");
        await File.WriteAllTextAsync(rules, $"""
            groups:
              - name: dashboard-drill
                rules:
                  - alert: {DrillAlert}
                    expr: vector(1) > 0
                    labels:
                      severity: critical
                    annotations:
                      summary: "A drill: the dashboard's test forced this alert"
            """);
        System = await CommerceSystem.StartAsync("dashboard", new Dictionary<string, string> { [PrometheusResource.ExtraRulesVariable] = rules });

        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        Page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });
        Page.FrameNavigated += (_, frame) => { if (frame == Page.MainFrame) Interlocked.Increment(ref navigations); };
        await Page.GotoAsync(System.DashboardUrl.ToString());
    }

    /// <summary>
    /// Evaluates <paramref name="script"/> (which returns a JSON string) in the page until <paramref name="done"/>;
    /// <paramref name="beforeEachLook"/> acts on the system first each time (a burst of requests, say).
    /// </summary>
    public Task<T> UntilAsync<T>(string script, Func<T, bool> done, TimeSpan timeout, string what, Func<Task>? beforeEachLook = null) =>
        Eventually.Until(async () =>
        {
            if (beforeEachLook is not null) await beforeEachLook();
            return JsonSerializer.Deserialize<T>(await Page.EvaluateAsync<string>(script), Json)!;
        }, done, timeout, what);

    /// <summary>Saves the page as it is now under artifacts/dashboard/ and returns the file's path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(RepositoryPaths.Root, "artifacts", "dashboard", name + ".png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.Current.TestOutputHelper?.WriteLine($"Dashboard screenshot: {path}");
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        if (browser is not null) await browser.DisposeAsync();
        playwright?.Dispose();
        if (System is not null) await System.DisposeAsync();
    }
}
