using Commerce.Contracts;
using Commerce.Testing;

namespace Commerce.Tests.Stock;

/// <summary>ReserveStock under contention: never more than is on sale, all lines or none, no deadlock.</summary>
public sealed class StockReservationTests(SharedSystem shared) : IAsyncLifetime
{
    private readonly StockDriver stock = new(shared.System);
    private MessageBusProbe bus = null!;

    public async ValueTask InitializeAsync() => bus = await shared.System.StartBusProbeAsync();

    public async ValueTask DisposeAsync() => await bus.DisposeAsync();

    [Fact]
    public async Task Two_hundred_buyers_for_fifty_units_get_exactly_fifty()
    {
        var productId = await stock.RestockAsync(stock: 50, price: 4_500);
        var orders = Enumerable.Range(0, 200).Select(_ => Guid.NewGuid()).ToList();

        await Task.WhenAll(orders.Select(orderId => bus.PublishAsync(new ReserveStock(orderId, [new OrderLine(productId, 1)]))));
        var (reserved, failed) = await AnswersAsync(orders);

        Assert.Equal(50, reserved.Count);
        Assert.Equal(150, failed.Count);
        Assert.All(failed, failure => Assert.Equal(RejectionReasons.InsufficientStock, failure.Reason));
        Assert.All(reserved, reply => Assert.Equal([new PricedLine(productId, 1, 4_500)], reply.Lines));
        var product = await stock.ProductAsync(productId);
        Assert.Equal((0, 0, 50), (product.Available, product.Reserved, product.Sold));
        Assert.True((await stock.BooksAsync(productId)).Balances);
    }

    [Fact]
    public async Task Two_products_reserved_in_opposite_orders_at_once_never_deadlock()
    {
        var first = await stock.RestockAsync(stock: 100);
        var second = await stock.RestockAsync(stock: 100);
        var orders = Enumerable.Range(0, 80).Select(_ => Guid.NewGuid()).ToList();

        // Half the orders list the products one way round, half the other: a naive lock order would deadlock them.
        await Task.WhenAll(orders.Select((orderId, i) => bus.PublishAsync(new ReserveStock(
            orderId,
            i % 2 == 0 ? [new OrderLine(first, 1), new OrderLine(second, 1)] : [new OrderLine(second, 1), new OrderLine(first, 1)]))));
        var (reserved, failed) = await AnswersAsync(orders);

        Assert.Empty(failed);
        Assert.Equal(80, reserved.Count);
        Assert.Equal(20, (await stock.ProductAsync(first)).Available);
        Assert.Equal(20, (await stock.ProductAsync(second)).Available);
        Assert.True((await stock.BooksAsync(first)).Balances);
        Assert.True((await stock.BooksAsync(second)).Balances);
    }

    [Fact]
    public async Task An_order_gets_all_its_lines_or_none_of_them()
    {
        var plenty = await stock.RestockAsync(stock: 10);
        var scarce = await stock.RestockAsync(stock: 1);
        var orderId = Guid.NewGuid();

        await bus.PublishAsync(new ReserveStock(orderId, [new OrderLine(plenty, 3), new OrderLine(scarce, 2)]));
        var failure = await bus.WaitForAsync<StockReservationFailed>(reply => reply.OrderId == orderId, StockDriver.Deadline);

        Assert.Equal(RejectionReasons.InsufficientStock, failure.Reason);
        Assert.Equal((10, 0), ((await stock.ProductAsync(plenty)).Available, (await stock.ProductAsync(plenty)).Sold));
        Assert.Equal((1, 0), ((await stock.ProductAsync(scarce)).Available, (await stock.ProductAsync(scarce)).Sold));
        Assert.DoesNotContain(bus.Received<StockReserved>(), reply => reply.OrderId == orderId);
    }

    [Fact]
    public async Task An_order_naming_an_unknown_product_reserves_nothing()
    {
        var known = await stock.RestockAsync(stock: 5);
        var orderId = Guid.NewGuid();

        await bus.PublishAsync(new ReserveStock(orderId, [new OrderLine(known, 1), new OrderLine(StockDriver.NewProductId(), 1)]));
        var failure = await bus.WaitForAsync<StockReservationFailed>(reply => reply.OrderId == orderId, StockDriver.Deadline);

        Assert.Equal(RejectionReasons.UnknownProduct, failure.Reason);
        Assert.Equal(5, (await stock.ProductAsync(known)).Available);
    }

    [Fact]
    public async Task A_reservation_is_priced_at_the_price_of_the_moment_and_sells_at_once()
    {
        var productId = await stock.RestockAsync(stock: 10, price: 1_000);
        await stock.RestockAsync(stock: 10, price: 1_200, productId: productId);
        var orderId = Guid.NewGuid();

        await bus.PublishAsync(new ReserveStock(orderId, [new OrderLine(productId, 4)]));
        var reserved = await bus.WaitForAsync<StockReserved>(reply => reply.OrderId == orderId, StockDriver.Deadline);
        // Read after the answer: a take has no commit round, so the books already show it sold.
        var books = await stock.BooksAsync(productId);

        Assert.Equal([new PricedLine(productId, 4, 1_200)], reserved.Lines);
        Assert.Equal(new ProductBooks(Available: 6, Reserved: 0, Sold: 4, Restocked: 10), books);
    }

    [Fact]
    public async Task The_database_itself_refuses_negative_stock()
    {
        var productId = await stock.RestockAsync(stock: 1);
        await using var connection = new Npgsql.NpgsqlConnection(shared.System.DatabaseConnectionString("stockdb"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);

        // Code that forgot the conditional update would still be stopped here.
        foreach (var column in new[] { "available", "reserved", "sold" })
        {
            await using var oversell = new Npgsql.NpgsqlCommand($"UPDATE products SET {column} = -1 WHERE product_id = @id", connection);
            oversell.Parameters.AddWithValue("id", productId);
            var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => oversell.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
            Assert.Equal(Npgsql.PostgresErrorCodes.CheckViolation, refused.SqlState);
        }

        Assert.Equal(new ProductBooks(Available: 1, Reserved: 0, Sold: 0, Restocked: 1), await stock.BooksAsync(productId));
    }

    [Fact]
    public async Task Reservations_are_counted_by_outcome_on_the_metrics_endpoint()
    {
        const string metric = "commerce_stock_reservations_total";
        var before = (
            Reserved: await ServiceAssertions.CounterAsync(shared.System, "stock", metric, "outcome=\"reserved\""),
            Short: await ServiceAssertions.CounterAsync(shared.System, "stock", metric, "outcome=\"insufficient_stock\""),
            Duplicate: await ServiceAssertions.CounterAsync(shared.System, "stock", metric, "outcome=\"duplicate\""));
        var productId = await stock.RestockAsync(stock: 1);
        var (won, lost) = (Guid.NewGuid(), Guid.NewGuid());

        await bus.PublishAsync(new ReserveStock(won, [new OrderLine(productId, 1)]));
        await bus.WaitForAsync<StockReserved>(reply => reply.OrderId == won, StockDriver.Deadline);
        await bus.PublishAsync(new ReserveStock(lost, [new OrderLine(productId, 1)]));
        await bus.WaitForAsync<StockReservationFailed>(reply => reply.OrderId == lost, StockDriver.Deadline);
        await bus.PublishAsync(new ReserveStock(won, [new OrderLine(productId, 1)]));
        await stock.StepHandledAsync(won, "reserve", deliveries: 2);

        // Other tests share the service, so the counters may have moved further; each must have moved at least this far.
        await Eventually.Until(
            async () => (
                Reserved: await ServiceAssertions.CounterAsync(shared.System, "stock", metric, "outcome=\"reserved\""),
                Short: await ServiceAssertions.CounterAsync(shared.System, "stock", metric, "outcome=\"insufficient_stock\""),
                Duplicate: await ServiceAssertions.CounterAsync(shared.System, "stock", metric, "outcome=\"duplicate\"")),
            after => after.Reserved >= before.Reserved + 1 && after.Short >= before.Short + 1 && after.Duplicate >= before.Duplicate + 1,
            StockDriver.Deadline,
            "the reservation counters to count each outcome");
    }

    /// <summary>Waits until every order got its one answer, and returns them split by kind.</summary>
    private async Task<(List<StockReserved> Reserved, List<StockReservationFailed> Failed)> AnswersAsync(IReadOnlyCollection<Guid> orders)
    {
        var ours = orders.ToHashSet();
        return await Eventually.Until(
            () => Task.FromResult((
                bus.Received<StockReserved>().Where(reply => ours.Contains(reply.OrderId)).ToList(),
                bus.Received<StockReservationFailed>().Where(reply => ours.Contains(reply.OrderId)).ToList())),
            answers => answers.Item1.Count + answers.Item2.Count >= orders.Count,
            StockDriver.Deadline,
            $"answers to {orders.Count} reservations");
    }
}
