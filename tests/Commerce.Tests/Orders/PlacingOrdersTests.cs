using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Commerce.Tests.Orders;

public sealed class PlacingOrdersTests(SharedSystem shared)
{
    private readonly Storefront store = new(shared.System);

    [Fact]
    public async Task A_good_order_completes_and_charges_exactly_its_total()
    {
        var (user, product) = (Storefront.UniqueId("u"), Storefront.UniqueId("kimbap"));
        await store.PutProductAsync(product, price: 4500, stock: 10);
        await store.DepositAsync(user, 50_000);

        var orderId = await store.PlaceAcceptedOrderAsync(user, (product, 2));
        var order = await store.WaitForFinalAsync(user, orderId);

        Assert.Equal("Completed", order.Status);
        Assert.Equal(9000, order.Total);
        Assert.Equal(4500, Assert.Single(order.Items).UnitPrice);
        // Completed means done: read right after, the money is taken and the stock sold (no waiting for it to settle).
        Assert.Equal(new WalletView(41_000, 0, 41_000), await store.GetWalletAsync(user));
        var stock = await store.GetProductAsync(product);
        Assert.Equal((8, 0, 2), (stock.Available, stock.Reserved, stock.Sold));
    }

    [Fact]
    public async Task An_order_priced_at_placement_takes_stock_and_money_at_once()
    {
        var (user, product) = (Storefront.UniqueId("u"), Storefront.UniqueId("bibimbap"));
        await store.PutProductAsync(product, price: 2500, stock: 10);
        await store.DepositAsync(user, 10_000);
        // Counted over every order of the shared system: it rises only if Order read the prices and took both at once.
        const string Steps = "commerce_order_saga_step_duration_seconds_count";
        const string BothAtOnce = "step=\"ReservingStockAndFunds\"";
        var before = await ServiceAssertions.CounterAsync(shared.System, "order", Steps, BothAtOnce);

        var order = await store.WaitForFinalAsync(user, await store.PlaceAcceptedOrderAsync(user, (product, 3)));

        Assert.Equal(("Completed", 7500L, 2500L), (order.Status, order.Total, Assert.Single(order.Items).UnitPrice!.Value));
        Assert.Equal(new WalletView(2500, 0, 2500), await store.GetWalletAsync(user));
        Assert.Equal(7, (await store.GetProductAsync(product)).Available);
        await Eventually.Until(
            async () => await ServiceAssertions.CounterAsync(shared.System, "order", Steps, BothAtOnce) > before,
            TimeSpan.FromSeconds(10),
            "an order's stock and money taken at once (ReservingStockAndFunds)");
    }

    [Theory]
    [InlineData("insufficient_stock")]
    [InlineData("unknown_product")]
    [InlineData("insufficient_funds")]
    public async Task A_rejected_order_leaks_nothing(string reason)
    {
        var (user, product) = (Storefront.UniqueId("u"), Storefront.UniqueId("ramen"));
        await store.PutProductAsync(product, price: 3000, stock: 5);
        await store.DepositAsync(user, reason == "insufficient_funds" ? 5000 : 100_000);
        var ordered = reason switch
        {
            "insufficient_stock" => (product, 6),
            "unknown_product" => (Storefront.UniqueId("nothing"), 1),
            _ => (product, 2),
        };

        var orderId = await store.PlaceAcceptedOrderAsync(user, ordered);
        var order = await store.WaitForFinalAsync(user, orderId);

        Assert.Equal(("Rejected", reason), (order.Status, order.Reason));
        // Rejected means nothing held: read right after, the stock is back on sale and the money free.
        var stock = await store.GetProductAsync(product);
        Assert.Equal((5, 0, 0), (stock.Available, stock.Reserved, stock.Sold));
        var wallet = await store.GetWalletAsync(user);
        Assert.Equal(0, wallet.Reserved);
        Assert.Equal(reason == "insufficient_funds" ? 5000 : 100_000, wallet.Balance);
    }

    [Fact]
    public async Task The_same_idempotency_key_twice_makes_one_order_and_another_body_is_422()
    {
        var (user, product) = (Storefront.UniqueId("u"), Storefront.UniqueId("tteok"));
        await store.PutProductAsync(product, price: 1000, stock: 10);
        await store.DepositAsync(user, 10_000);
        using var client = store.ClientFor(user);

        using var first = await Storefront.PlaceOrderAsync(client, [(product, 1)], "lunch-1");
        using var again = await Storefront.PlaceOrderAsync(client, [(product, 1)], "lunch-1");
        using var otherBody = await Storefront.PlaceOrderAsync(client, [(product, 3)], "lunch-1");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var firstId = (await first.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("orderId").GetGuid();
        var againId = (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("orderId").GetGuid();
        Assert.Equal(firstId, againId);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, otherBody.StatusCode);
        Assert.Equal("idempotency_key_reused", (await otherBody.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        var orders = await client.GetFromJsonAsync<List<OrderView>>("/api/orders", Ct);
        Assert.Single(orders!);
    }

    [Fact]
    public async Task Twenty_parallel_orders_of_one_user_never_spend_more_than_the_balance()
    {
        var (user, product) = (Storefront.UniqueId("u"), Storefront.UniqueId("dosirak"));
        await store.PutProductAsync(product, price: 7000, stock: 100);
        await store.DepositAsync(user, 35_000); // enough for five
        using var client = store.ClientFor(user);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Storefront.PlaceOrderAsync(client, [(product, 1)], $"parallel-{i}")));
        var accepted = new List<Guid>();
        foreach (var response in responses)
        {
            Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict });
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                accepted.Add((await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("orderId").GetGuid());
            }
            else
            {
                Assert.NotNull(response.Headers.RetryAfter);
            }

            response.Dispose();
        }

        var finals = await Task.WhenAll(accepted.Select(id => store.WaitForFinalAsync(user, id)));
        var completed = finals.Count(o => o.Status == "Completed");
        Assert.Equal(Math.Min(5, accepted.Count), completed);
        Assert.All(finals.Where(o => o.Status == "Rejected"), o => Assert.Equal("insufficient_funds", o.Reason));
        // Every order is final, so nothing may still be held: read at once, not eventually.
        var wallet = await store.GetWalletAsync(user);
        Assert.Equal((35_000 - (completed * 7000), 0), (wallet.Balance, wallet.Reserved));
        var stock = await store.GetProductAsync(product);
        Assert.Equal((100 - completed, 0, completed), (stock.Available, stock.Reserved, stock.Sold));
    }

    [Theory]
    [InlineData("""{"items":[]}""", "items")]
    [InlineData("""{"items":[{"productId":"a b","quantity":1}]}""", "items[0].productId")]
    [InlineData("""{"items":[{"productId":"a","quantity":0}]}""", "items[0].quantity")]
    [InlineData("""{"items":[{"productId":"a","quantity":1},{"productId":"a","quantity":1}]}""", "items[1].productId")]
    [InlineData("""{"items":[{"productId":"a","quantity":1}],"couponId":"not-a-guid"}""", "couponId")]
    public async Task Bad_input_is_a_400_naming_the_field_and_makes_no_order(string body, string field)
    {
        var user = Storefront.UniqueId("u");
        using var client = store.ClientFor(user);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", "bad-1");

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("field").GetString());
        Assert.Empty((await client.GetFromJsonAsync<List<OrderView>>("/api/orders", Ct))!);
    }

    [Fact]
    public async Task An_order_without_an_idempotency_key_is_a_400_naming_the_header()
    {
        using var client = store.ClientFor(Storefront.UniqueId("u"));
        using var response = await Storefront.PlaceOrderAsync(client, [("a", 1)], idempotencyKey: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Idempotency-Key", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("field").GetString());
    }

    [Fact]
    public async Task Another_users_order_is_404_and_lists_are_newest_first_with_paging()
    {
        var (owner, product) = (Storefront.UniqueId("u"), Storefront.UniqueId("gimbap"));
        await store.PutProductAsync(product, price: 100, stock: 100);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++) ids.Add(await store.PlaceAcceptedOrderAsync(owner, (product, 1)));

        using var stranger = store.ClientFor(Storefront.UniqueId("stranger"));
        using var peek = await stranger.GetAsync($"/api/orders/{ids[0]}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, peek.StatusCode);

        using var client = store.ClientFor(owner);
        var firstPage = (await client.GetFromJsonAsync<List<OrderView>>("/api/orders?limit=2", Ct))!;
        Assert.Equal([ids[2], ids[1]], firstPage.Select(o => o.OrderId));
        var secondPage = (await client.GetFromJsonAsync<List<OrderView>>($"/api/orders?limit=2&before={ids[1]}", Ct))!;
        Assert.Equal([ids[0]], secondPage.Select(o => o.OrderId));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

}
