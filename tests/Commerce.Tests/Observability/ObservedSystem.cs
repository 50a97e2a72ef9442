using System.Text.Json;
using Commerce.AppHost.Resources;
using Microsoft.Playwright;

namespace Commerce.Tests.Observability;

/// <summary>
/// A system of its own with the Aspire dashboard on (so the services export their telemetry to it) and a Prometheus that
/// also loads a drill rule that always fires; both pages are opened in headless Chromium (Debian's, never a downloaded
/// one), each once: what they show arrives by their own polling and streaming. Shared by the tests of both pages.
/// </summary>
public sealed class ObservedSystem : IAsyncLifetime
{
    public const string DrillAlert = "DashboardDrillAlwaysFiring";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private IPlaywright? playwright;
    private IBrowser? browser;

    public CommerceSystem System { get; private set; } = null!;

    /// <summary>The operations page (incident tiles, alerts, live figures).</summary>
    public BrowserPage Operations { get; private set; } = null!;

    /// <summary>The Aspire dashboard.</summary>
    public BrowserPage Aspire { get; private set; } = null!;

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
                      summary: "A drill: the operations page's test forced this alert"
            """);
        System = await CommerceSystem.StartAsync(
            "observed", new Dictionary<string, string> { [LocalPrometheusResource.ExtraRulesVariable] = rules }, withAspireDashboard: true);

        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        Operations = await BrowserPage.OpenAsync(browser, System.ServiceUrl("operations"));
        Aspire = await BrowserPage.OpenAsync(browser, System.AspireDashboardUrl!);
    }

    public async ValueTask DisposeAsync()
    {
        if (browser is not null) await browser.DisposeAsync();
        playwright?.Dispose();
        if (System is not null) await System.DisposeAsync();
    }

    /// <summary>One page, opened once; <see cref="Navigations"/> counts how often it navigated since.</summary>
    public sealed class BrowserPage
    {
        private int navigations;

        private BrowserPage(IPage page) => Page = page;

        public IPage Page { get; }

        public int Navigations => navigations;

        public static async Task<BrowserPage> OpenAsync(IBrowser browser, Uri url)
        {
            var page = new BrowserPage(await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } }));
            page.Page.FrameNavigated += (_, frame) => { if (frame == page.Page.MainFrame) Interlocked.Increment(ref page.navigations); };
            await page.Page.GotoAsync(url.ToString());
            return page;
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
            TestContext.Current.TestOutputHelper?.WriteLine($"Screenshot: {path}");
            return path;
        }
    }
}

/// <summary>One observed system for the tests of both pages.</summary>
[CollectionDefinition(nameof(ObservedSystem))]
public sealed class ObservedSystemCollection : ICollectionFixture<ObservedSystem>;
