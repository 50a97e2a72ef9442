using Commerce.AppHost.Hosting.Resources;

namespace Commerce.Tests.Dashboard;

/// <summary>What an operator sees on the dashboard the AppHost serves, in a real browser.</summary>
public sealed class DashboardTests(DashboardBrowser browser) : IClassFixture<DashboardBrowser>
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(90);

    // One snapshot: the rows and the status line read in the same turn of the page's event loop, so they cannot disagree.
    private const string ResourcesScript = """
        () => JSON.stringify({
            status: document.querySelector('#status')?.textContent ?? '',
            rows: [...document.querySelectorAll('[data-testid=resource]')]
                .map(row => ({ name: row.dataset.name, state: row.dataset.state, health: row.dataset.health })),
        })
        """;

    private const string TrafficScript = """
        () => JSON.stringify({
            rps: Number(document.querySelector('[data-testid=headline-rps]')?.dataset.value || 0),
            orders: Number(document.querySelector('[data-testid=headline-ordersPerSecond]')?.dataset.value || 0),
            apis: [...document.querySelectorAll('[data-testid=api]')]
                .map(row => ({ service: row.dataset.service, method: row.dataset.method, route: row.dataset.route, rps: Number(row.dataset.rps) })),
        })
        """;

    private const string AlertsScript = """
        () => JSON.stringify([...document.querySelectorAll('[data-testid=alert]')].map(alert => ({
            name: alert.dataset.name, state: alert.dataset.state, severity: alert.dataset.severity,
            top: alert.getBoundingClientRect().top,
            tilesTop: document.getElementById('tiles').getBoundingClientRect().top,
        })))
        """;

    // What AppHost/Program.cs declares; a system on the shared infrastructure shows its servers as external.
    private static readonly string[] ExpectedResources =
    [
        "postgres", "orderdb", "stockdb", "walletdb", "coupondb", "notificationdb", "redis", "rabbitmq",
        "stock", "wallet", "coupon", "order", "notification", "gateway",
        .. PrometheusResource.IsInstalled ? ["prometheus"] : Array.Empty<string>(),
    ];

    [Fact]
    public async Task Lists_every_resource_as_running_and_healthy()
    {
        var page = await browser.UntilAsync<ResourcesView>(ResourcesScript,
            view => view.Rows.Length == ExpectedResources.Length && view.Rows.All(row => row is { State: "Running", Health: "healthy" }),
            Budget, "every resource listed as Running and healthy");

        Assert.Equal(ExpectedResources.Order(), page.Rows.Select(row => row.Name).Order());
        Assert.StartsWith($"All {ExpectedResources.Length} resources healthy", page.Status);
        await browser.ScreenshotAsync("resources-healthy");
    }

    [Fact]
    public async Task Shows_live_requests_per_second_after_a_burst_of_orders()
    {
        var store = new Storefront(browser.System);
        var product = $"dash-{Guid.NewGuid():N}"[..20];
        var users = Enumerable.Range(0, 10).Select(i => $"dash-{i}-{Guid.NewGuid():N}"[..24]).ToList();
        await store.PutProductAsync(product, price: 1000, stock: 100_000);
        await Task.WhenAll(users.Select(user => store.DepositAsync(user, 10_000_000)));
        var clients = users.Select(store.ClientFor).ToList();
        try
        {
            // Orders keep coming until the page, polling on its own, shows them.
            var traffic = await browser.UntilAsync<Traffic>(TrafficScript,
                seen => seen.Rps > 0 && seen.Orders > 0 && seen.Apis.Any(api => api is { Service: "order", Method: "POST", Rps: > 0 }),
                Budget, "non-zero requests/s, orders/s and POST /api/orders traffic on the page",
                beforeEachLook: () => Task.WhenAll(clients.Select(async client =>
                    (await Storefront.PlaceOrderAsync(client, [(product, 1)], Guid.NewGuid().ToString("N"))).Dispose())));

            Assert.Contains(traffic.Apis, api => api.Service == "gateway" && api.Rps > 0);
            Assert.Equal(1, browser.Navigations);
            await browser.ScreenshotAsync("traffic");
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
        }
    }

    [Fact]
    public async Task Shows_a_forced_alert_firing_above_everything_else()
    {
        Assert.SkipUnless(PrometheusResource.IsInstalled, "Alerts need Prometheus (sudo apt-get install prometheus).");

        var alerts = await browser.UntilAsync<AlertCard[]>(AlertsScript,
            cards => cards.Any(card => card.Name == DashboardBrowser.DrillAlert), Budget, $"{DashboardBrowser.DrillAlert} on the page");

        var drill = alerts.Single(card => card.Name == DashboardBrowser.DrillAlert);
        Assert.Equal(("firing", "critical"), (drill.State, drill.Severity));
        Assert.True(drill.Top < drill.TilesTop, "firing alerts are shown above the headline numbers");
        Assert.Contains("alert firing", await browser.Page.Locator("#status").TextContentAsync());
        await browser.ScreenshotAsync("alert-firing");
    }

    private sealed record ResourcesView(string Status, ResourceRow[] Rows);

    private sealed record ResourceRow(string Name, string State, string Health);

    private sealed record Traffic(double Rps, double Orders, ApiRow[] Apis);

    private sealed record ApiRow(string Service, string Method, string Route, double Rps);

    private sealed record AlertCard(string Name, string State, string Severity, double Top, double TilesTop);
}
