using System.Text.Json;
using Microsoft.Playwright;

namespace Commerce.Tests.Observability;

/// <summary>
/// Headless Chromium (Debian's, never a downloaded one) on the shared system's pages: the operations page and the Aspire
/// dashboard (the shared system runs with it, so the services export their telemetry there). Each page is opened once:
/// what it shows arrives by its own polling and streaming.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    private readonly SemaphoreSlim opening = new(1, 1);
    private readonly Dictionary<Uri, BrowserPage> pages = [];
    private IPlaywright? playwright;
    private IBrowser? browser;

    public async ValueTask InitializeAsync()
    {
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>The page at <paramref name="url"/>, opened on first use and kept open.</summary>
    public async Task<BrowserPage> PageAsync(Uri url)
    {
        await opening.WaitAsync();
        try
        {
            if (!pages.TryGetValue(url, out var page))
            {
                page = await BrowserPage.OpenAsync(browser!, url);
                pages[url] = page;
            }

            return page;
        }
        finally
        {
            opening.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (browser is not null) await browser.DisposeAsync();
        playwright?.Dispose();
    }

    /// <summary>One page, opened once; <see cref="Navigations"/> counts how often it navigated since.</summary>
    public sealed class BrowserPage
    {
        private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
        private int navigations;

        private BrowserPage(IPage page) => Page = page;

        public IPage Page { get; }

        public int Navigations => navigations;

        public static async Task<BrowserPage> OpenAsync(IBrowser browser, Uri url)
        {
            var page = new BrowserPage(await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } }));
            page.Page.FrameNavigated += (_, frame) => { if (frame == page.Page.MainFrame) Interlocked.Increment(ref page.navigations); };
            // Playwright waits 30 s for an element by default. The end-to-end run shares two cores with the fault tests'
            // systems, and the Aspire dashboard once took longer than that to render its traces search box: a page gets
            // the 90 s the tests give every other look.
            page.Page.SetDefaultTimeout(90_000);
            await page.Page.GotoAsync(url.ToString());
            return page;
        }

        /// <summary>
        /// Evaluates <paramref name="script"/> (which returns a JSON string) in the page until <paramref name="done"/>;
        /// <paramref name="beforeEachLook"/> acts on the system first each time (a burst of requests, say).
        /// </summary>
        public async Task<T> UntilAsync<T>(string script, Func<T, bool> done, TimeSpan timeout, string what, Func<Task>? beforeEachLook = null)
        {
            try
            {
                return await Eventually.Until(async () =>
                {
                    if (beforeEachLook is not null) await beforeEachLook();
                    return JsonSerializer.Deserialize<T>(await Page.EvaluateAsync<string>(script), Json)!;
                }, done, timeout, what);
            }
            catch (TimeoutException notSeen)
            {
                // What the page showed instead (a login form, a lost connection, an empty grid): a failed look says it.
                throw new TimeoutException($"{notSeen.Message}\n{await DescribeAsync()}", notSeen);
            }
        }

        /// <summary>The page's address, its visible text (the start of it) and a screenshot of it, for a failure's message.</summary>
        public async Task<string> DescribeAsync()
        {
            try
            {
                var text = await Page.EvaluateAsync<string>("() => document.body ? document.body.innerText : '(no body)'");
                var screenshot = await ScreenshotAsync("failed-" + DateTime.UtcNow.ToString("HHmmss"));
                return $"The page at {Page.Url} showed: {Truncate(text.ReplaceLineEndings(" | "), 1500)} (screenshot {screenshot})";
            }
            catch (PlaywrightException exception)
            {
                return $"The page at {Page.Url} could not be read: {exception.Message}";
            }
        }

        private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";

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

/// <summary>One browser for the tests of both pages.</summary>
[CollectionDefinition(nameof(Browser))]
public sealed class BrowserCollection : ICollectionFixture<Browser>;
