namespace Commerce.Tests.Observability;

/// <summary>What an operator sees on the Aspire dashboard while the system runs, in a real browser.</summary>
[Collection(nameof(Browser))]
public sealed class AspireDashboardTests(SharedSystem shared, Browser browser)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(90);

    // Every row of the resources grid: its name and state cells, read in one evaluation.
    private const string ResourcesScript = """
        () => JSON.stringify([...document.querySelectorAll('[role=row]')].map(row => [...row.querySelectorAll('[role=gridcell]')])
            .filter(cells => cells.length >= 2)
            .map(cells => ({ name: cells[0].innerText.trim(), state: cells[1].innerText.trim() })))
        """;

    // Every trace of a POST /api/orders in the traces grid, with the resources its spans came from.
    private const string OrderTracesScript = """
        () => JSON.stringify([...document.querySelectorAll('[role=row]')]
            .filter(row => row.innerText.includes('POST /api/orders'))
            .map(row => ({ resources: [...row.querySelectorAll('.trace-service-tag')].map(tag => tag.textContent.replace(/\s*\(\d+\)\s*$/, '').trim()) })))
        """;

    // The processes the shared system runs (its PostgreSQL, Redis and RabbitMQ are the run's: connection strings here).
    private static readonly string[] Processes = ["stock", "wallet", "coupon", "order", "notification", "gateway", "prometheus", "operations"];

    [Fact]
    public async Task Lists_every_resource_as_running_and_healthy()
    {
        var aspire = await AspireAsync();
        await aspire.Page.GotoAsync(shared.System.AspireDashboardUrl!.ToString());

        // Aspire shows a process whose health checks fail as Unhealthy, not Running; a replicated one as one row per copy.
        ResourceRow[] rows;
        try
        {
            rows = await aspire.UntilAsync<ResourceRow[]>(ResourcesScript,
                rows => Processes.All(name => rows.Any(row => row.Is(name)) && rows.Where(row => row.Is(name)).All(row => row.State == "Running")),
                Budget, "every process (every copy) listed as Running (healthy) on the Aspire dashboard");
        }
        catch (TimeoutException notListed)
        {
            // A CI run saw no row at all for 90 s while the traces page worked: the resources page alone waits for the
            // dashboard's connection to the AppHost's resource service, and the dashboard logs why that failed.
            throw new TimeoutException($"{notListed.Message}\nThe dashboard's log:\n{shared.System.LogLines(20, "resource service", "DashboardClient")}", notListed);
        }

        Assert.Equal(3, rows.Count(row => row.Is("order")));
        await aspire.ScreenshotAsync("aspire-resources");
    }

    [Fact]
    public async Task Shows_one_trace_for_a_placed_order_across_the_gateway_order_stock_and_wallet()
    {
        var store = new Storefront(shared.System);
        var (user, product) = (Storefront.UniqueId("traced"), Storefront.UniqueId("bibimbap"));
        await store.PutProductAsync(product, price: 9_000, stock: 5);
        await store.DepositAsync(user, 50_000);
        var orderId = await store.PlaceAcceptedOrderAsync(user, (product, 1));
        Assert.Equal("Completed", (await store.WaitForFinalAsync(user, orderId)).Status);

        var aspire = await AspireAsync();
        await aspire.Page.GotoAsync(new Uri(aspire.Page.Url).GetLeftPart(UriPartial.Authority) + "/traces");
        // As an operator would: filter by name. The grid renders only the rows in view, and on the shared system other
        // tests' requests and messages arrive after this order, so unfiltered its trace can scroll out of view (a run
        // saw no POST /api/orders row at all for 90 s).
        await aspire.Page.Locator("input[name=traces-search]").FillAsync("POST /api/orders");
        var traces = await aspire.UntilAsync<OrderTrace[]>(OrderTracesScript,
            found => found.Any(trace => new[] { "gateway", "order", "stock", "wallet" }.All(trace.HasSpansFrom)),
            Budget, "a POST /api/orders trace with spans from the gateway, order, stock and wallet");
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(", ", traces.Select(trace => trace.ToString())));

        Assert.NotEmpty(traces);
        await aspire.ScreenshotAsync("aspire-order-trace");
    }

    private Task<Browser.BrowserPage> AspireAsync() => browser.PageAsync(shared.System.AspireDashboardUrl!);

    private sealed record ResourceRow(string Name, string State)
    {
        /// <summary>The resource itself, or one of its copies ("order-&lt;instance&gt;").</summary>
        public bool Is(string resource) => Name == resource || Name.StartsWith(resource + "-", StringComparison.Ordinal);
    }

    private sealed record OrderTrace(string[] Resources)
    {
        /// <summary>The dashboard names a resource with more than one instance (a restart, a replica) "order-&lt;instance&gt;".</summary>
        public bool HasSpansFrom(string resource) =>
            Resources.Any(name => name == resource || name.StartsWith(resource + "-", StringComparison.Ordinal));

        public override string ToString() => string.Join('+', Resources);
    }
}
