using Commerce.Tests.Notifications;
using Npgsql;
using StackExchange.Redis;

namespace Commerce.Tests.Orders;

/// <summary>
/// What follows an order's end, through the storefront: one notification per order for its buyer, and the sales
/// ranking counting each Completed order once and no Rejected one (issue #4: "once each").
/// </summary>
public sealed class OrderEventsTests(SharedSystem shared)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly Storefront store = new(shared.System);
    private readonly NotificationDriver notifications = new(shared.System);

    [Fact]
    public async Task Every_final_order_is_notified_once_to_its_buyer_and_only_completed_ones_are_ranked_once()
    {
        var (scarce, plenty) = (Storefront.UniqueId("special"), Storefront.UniqueId("gimbap"));
        await store.PutProductAsync(scarce, price: 3_000, stock: 6);
        await store.PutProductAsync(plenty, price: 5_000, stock: 100);
        var funded = Enumerable.Range(0, 4).Select(_ => Storefront.UniqueId("u")).ToList();
        var broke = Storefront.UniqueId("u");
        var deposits = funded.ToDictionary(user => user, _ => 100_000L);
        deposits[broke] = 0;
        foreach (var user in funded)
        {
            await store.DepositAsync(user, 100_000);
        }

        // Four orders per user, users in parallel, each user's orders one after another (the per-user lock would
        // answer 409 to a second one at the same instant): the scarce dish runs out, the user without money is refused
        // (at the funds step: they order only what is plentiful).
        var placed = await Task.WhenAll(deposits.Keys.Select(async user =>
        {
            var orders = new List<Guid>();
            for (var i = 0; i < 4; i++)
            {
                orders.Add(user == broke
                    ? await store.PlaceAcceptedOrderAsync(user, (plenty, 1))
                    : await store.PlaceAcceptedOrderAsync(user, (scarce, 1), (plenty, 1 + (i % 2))));
            }

            return (User: user, Orders: orders);
        }));
        var final = new List<(string User, OrderView Order)>();
        foreach (var (user, orders) in placed)
        {
            foreach (var orderId in orders)
            {
                final.Add((user, await store.WaitForFinalAsync(user, orderId, Wait)));
            }
        }

        var completed = final.Where(f => f.Order.Status == "Completed").ToList();
        var rejected = final.Where(f => f.Order.Status == "Rejected").ToList();
        Assert.Equal(20, final.Count);
        Assert.InRange(completed.Count, 1, 6); // at most the six scarce dishes; a reservation later released may cost a sale
        Assert.Equal(4, rejected.Count(f => f.Order.Reason == "insufficient_funds"));
        Assert.Contains(rejected, f => f.Order.Reason == "insufficient_stock");

        foreach (var user in deposits.Keys)
        {
            var mine = final.Where(f => f.User == user).Select(f => f.Order).ToList();
            var list = await notifications.ListWhenAsync(user, l => l.Count >= mine.Count, $"{mine.Count} notifications for {user}");
            foreach (var order in mine)
            {
                var kind = order.Status == "Completed" ? "OrderCompleted" : "OrderRejected";
                Assert.Single(list, n => n.OrderId == order.OrderId);
                Assert.Equal(kind, list.Single(n => n.OrderId == order.OrderId).Kind);
            }

            Assert.Equal(mine.Count, list.Count);
        }

        var soldByOrders = new Dictionary<string, long>
        {
            [scarce] = completed.SelectMany(f => f.Order.Items).Where(i => i.ProductId == scarce).Sum(i => i.Quantity),
            [plenty] = completed.SelectMany(f => f.Order.Items).Where(i => i.ProductId == plenty).Sum(i => i.Quantity),
        };
        await using var stockDb = NpgsqlDataSource.Create(shared.System.DatabaseConnectionString("stockdb"));
        await Eventually.Until(
            () => RankedTotalsAsync(stockDb, scarce, plenty),
            totals => totals.GetValueOrDefault(scarce) == soldByOrders[scarce] && totals.GetValueOrDefault(plenty) == soldByOrders[plenty],
            Wait,
            $"ranking totals {soldByOrders[scarce]} and {soldByOrders[plenty]}, the Completed orders' quantities");
        Assert.Equal(
            completed.Select(f => f.Order.OrderId).Order(),
            (await CountedOrdersAsync(stockDb, final.Select(f => f.Order.OrderId).ToArray())).Order());

        await using var redis = await ConnectionMultiplexer.ConnectAsync(shared.System.RedisConnectionString);
        foreach (var (productId, sold) in soldByOrders)
        {
            await Eventually.Until(
                async () => await redis.GetDatabase().SortedSetScoreAsync("ranking:sold", productId),
                score => score == sold,
                Wait,
                $"{productId} ranked with {sold} sold in Redis");
        }

        await Invariants.AssertHoldAsync(store, new Dictionary<string, int> { [scarce] = 6, [plenty] = 100 }, deposits, Wait);
    }

    private static async Task<Dictionary<string, long>> RankedTotalsAsync(NpgsqlDataSource db, params string[] productIds)
    {
        await using var command = db.CreateCommand("SELECT product_id, sold FROM ranking_totals WHERE product_id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = productIds });
        await using var reader = await command.ExecuteReaderAsync();
        var totals = new Dictionary<string, long>();
        while (await reader.ReadAsync())
        {
            totals[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1));
        }

        return totals;
    }

    private static async Task<List<Guid>> CountedOrdersAsync(NpgsqlDataSource db, Guid[] orderIds)
    {
        await using var command = db.CreateCommand("SELECT order_id FROM ranking_counted WHERE order_id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = orderIds });
        await using var reader = await command.ExecuteReaderAsync();
        var counted = new List<Guid>();
        while (await reader.ReadAsync())
        {
            counted.Add(reader.GetGuid(0));
        }

        return counted;
    }
}
