namespace Commerce.Tests.Observability;

/// <summary>What an operator sees on the operations page (its own project in the AppHost), in a real browser.</summary>
[Collection(nameof(Browser))]
public sealed class OperationsPageTests(SharedSystem shared, Browser browser)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(90);

    private const string TrafficScript = """
        () => JSON.stringify({
            rps: Number(document.querySelector('[data-testid=headline-rps]')?.dataset.value || 0),
            orders: Number(document.querySelector('[data-testid=headline-ordersPerSecond]')?.dataset.value || 0),
            apis: [...document.querySelectorAll('[data-testid=api]')]
                .map(row => ({ service: row.dataset.service, method: row.dataset.method, route: row.dataset.route, rps: Number(row.dataset.rps) })),
        })
        """;

    // One snapshot: the cards, their place and the status line read in one evaluation, so they cannot disagree.
    private const string AlertsScript = """
        () => JSON.stringify({
            status: document.querySelector('#status')?.textContent ?? '',
            alerts: [...document.querySelectorAll('[data-testid=alert]')].map(alert => ({
                name: alert.dataset.name, state: alert.dataset.state, severity: alert.dataset.severity,
                ageSeconds: Number(alert.dataset.ageSeconds ?? -1),
                top: alert.getBoundingClientRect().top,
                tilesTop: document.getElementById('tiles').getBoundingClientRect().top,
            })),
        })
        """;

    [Fact]
    public async Task Shows_live_requests_per_second_after_a_burst_of_orders()
    {
        var store = new Storefront(shared.System);
        var product = $"dash-{Guid.NewGuid():N}"[..20];
        var users = Enumerable.Range(0, 10).Select(i => $"dash-{i}-{Guid.NewGuid():N}"[..24]).ToList();
        await store.PutProductAsync(product, price: 1000, stock: 100_000);
        await Task.WhenAll(users.Select(user => store.DepositAsync(user, 10_000_000)));
        var clients = users.Select(store.ClientFor).ToList();
        try
        {
            // Orders keep coming until the page, polling on its own, shows them.
            var traffic = await (await OperationsAsync()).UntilAsync<Traffic>(TrafficScript,
                seen => seen.Rps > 0 && seen.Orders > 0 && seen.Apis.Any(api => api is { Service: "order", Method: "POST", Rps: > 0 }),
                Budget, "non-zero requests/s, orders/s and POST /api/orders traffic on the page",
                beforeEachLook: () => Task.WhenAll(clients.Select(async client =>
                    (await Storefront.PlaceOrderAsync(client, [(product, 1)], Guid.NewGuid().ToString("N"))).Dispose())));

            Assert.Contains(traffic.Apis, api => api.Service == "gateway" && api.Rps > 0);
            Assert.Equal(1, (await OperationsAsync()).Navigations);
            await (await OperationsAsync()).ScreenshotAsync("operations-traffic");
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
        }
    }

    [Fact]
    public async Task Shows_a_forced_alert_firing_above_everything_else_with_its_age()
    {
        var page = await (await OperationsAsync()).UntilAsync<AlertsView>(AlertsScript,
            view => view.Alerts.Any(card => card.Name == SharedSystem.DrillAlert && card.State == "firing"), Budget,
            $"{SharedSystem.DrillAlert} firing on the page");

        var drill = page.Alerts.Single(card => card.Name == SharedSystem.DrillAlert);
        Assert.Equal("critical", drill.Severity);
        Assert.True(drill.AgeSeconds >= 0, "a firing alert shows how long it has been active");
        Assert.True(drill.Top < drill.TilesTop, "firing alerts are shown above the headline numbers");
        // Other tests on the shared system raise real alerts of their own (refused orders, a killed service), so the pill
        // counts the drill among however many fire: "1 alert firing" alone, "3 alerts firing · 1 pending" in company.
        Assert.Matches(@"^\d+ alerts? firing", page.Status);
        await (await OperationsAsync()).ScreenshotAsync("operations-alert-firing");
    }

    private Task<Browser.BrowserPage> OperationsAsync() => browser.PageAsync(shared.System.ServiceUrl("operations"));

    private sealed record Traffic(double Rps, double Orders, ApiRow[] Apis);

    private sealed record ApiRow(string Service, string Method, string Route, double Rps);

    private sealed record AlertsView(string Status, AlertCard[] Alerts);

    private sealed record AlertCard(string Name, string State, string Severity, double AgeSeconds, double Top, double TilesTop);
}
