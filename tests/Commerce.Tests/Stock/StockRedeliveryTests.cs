using Commerce.Contracts;
using Commerce.Testing;

namespace Commerce.Tests.Stock;

/// <summary>
/// Every stock message delivered twice, and every compensation delivered before or after its step, leaves the same state
/// as one delivery in the right order.
/// </summary>
public sealed class StockRedeliveryTests(SharedSystem shared) : IAsyncLifetime
{
    private readonly StockDriver stock = new(shared.System);
    private MessageBusProbe bus = null!;

    public async ValueTask InitializeAsync() => bus = await shared.System.StartBusProbeAsync();

    public async ValueTask DisposeAsync() => await bus.DisposeAsync();

    [Fact]
    public async Task A_redelivered_reservation_answers_the_same_prices_and_takes_once()
    {
        var productId = await stock.RestockAsync(stock: 10, price: 2_000);
        var orderId = Guid.NewGuid();
        await bus.PublishAsync(new ReserveStock(orderId, [new OrderLine(productId, 3)]));
        await bus.WaitForAsync<StockReserved>(reply => reply.OrderId == orderId, StockDriver.Deadline);

        // The price changes between the deliveries: the order must still be charged what was reserved.
        await stock.RestockAsync(stock: 7, price: 9_999, productId: productId);
        await bus.PublishAsync(new ReserveStock(orderId, [new OrderLine(productId, 3)]));
        var answers = await RepliesAsync<StockReserved>(orderId, count: 2);

        Assert.All(answers, reply => Assert.Equal([new PricedLine(productId, 3, 2_000)], reply.Lines));
        Assert.Equal(new StepRow("reserved", 2), await stock.StepAsync(orderId, "reserve"));
        var books = await stock.BooksAsync(productId);
        Assert.Equal((7, 0, 3), (books.Available, books.Reserved, books.Sold));
        Assert.True(books.Balances);
    }

    [Fact]
    public async Task A_reservation_delivered_twice_at_once_takes_once()
    {
        var productId = await stock.RestockAsync(stock: 10);
        var orderId = Guid.NewGuid();
        var message = new ReserveStock(orderId, [new OrderLine(productId, 4)]);

        await Task.WhenAll(bus.PublishAsync(message), bus.PublishAsync(message));
        await RepliesAsync<StockReserved>(orderId, count: 2);

        Assert.Equal(new ProductBooks(Available: 6, Reserved: 0, Sold: 4, Restocked: 10), await stock.BooksAsync(productId));
    }

    [Fact]
    public async Task A_failed_reservation_redelivered_fails_the_same_way()
    {
        var productId = await stock.RestockAsync(stock: 1);
        var orderId = Guid.NewGuid();
        await bus.PublishAsync(new ReserveStock(orderId, [new OrderLine(productId, 2)]));
        await bus.WaitForAsync<StockReservationFailed>(reply => reply.OrderId == orderId, StockDriver.Deadline);

        // Now there would be enough; the order was already refused and stays refused.
        await stock.RestockAsync(stock: 5, productId: productId);
        await bus.PublishAsync(new ReserveStock(orderId, [new OrderLine(productId, 2)]));
        var answers = await RepliesAsync<StockReservationFailed>(orderId, count: 2);

        Assert.All(answers, reply => Assert.Equal(RejectionReasons.InsufficientStock, reply.Reason));
        Assert.DoesNotContain(bus.Received<StockReserved>(), reply => reply.OrderId == orderId);
        Assert.Equal(5, (await stock.BooksAsync(productId)).Available);
    }

    [Fact]
    public async Task A_release_delivered_twice_puts_stock_back_once()
    {
        var (productId, orderId) = await ReservedAsync(stockLevel: 10, quantity: 4);

        await bus.PublishAsync(new ReleaseStock(orderId));
        await stock.StepHandledAsync(orderId, "release");
        await bus.PublishAsync(new ReleaseStock(orderId));
        await stock.StepHandledAsync(orderId, "release", deliveries: 2);

        Assert.Equal(new ProductBooks(Available: 10, Reserved: 0, Sold: 0, Restocked: 10), await stock.BooksAsync(productId));
    }

    [Fact]
    public async Task A_release_before_its_reservation_makes_the_late_reservation_reserve_nothing()
    {
        var productId = await stock.RestockAsync(stock: 10);
        var orderId = Guid.NewGuid();

        // The saga timed out and compensated before Stock ever saw the reservation.
        await bus.PublishAsync(new ReleaseStock(orderId));
        Assert.Equal("tombstone", (await stock.StepHandledAsync(orderId, "release"))!.Outcome);
        await bus.PublishAsync(new ReserveStock(orderId, [new OrderLine(productId, 4)]));
        var failure = await bus.WaitForAsync<StockReservationFailed>(reply => reply.OrderId == orderId, StockDriver.Deadline);

        Assert.Equal(RejectionReasons.InsufficientStock, failure.Reason);
        Assert.Equal(new ProductBooks(Available: 10, Reserved: 0, Sold: 0, Restocked: 10), await stock.BooksAsync(productId));
    }

    [Fact]
    public async Task A_release_delivered_twice_at_once_puts_stock_back_once()
    {
        var (productId, orderId) = await ReservedAsync(stockLevel: 10, quantity: 4);
        Assert.Equal(new ProductBooks(Available: 6, Reserved: 0, Sold: 4, Restocked: 10), await stock.BooksAsync(productId));

        await Task.WhenAll(bus.PublishAsync(new ReleaseStock(orderId)), bus.PublishAsync(new ReleaseStock(orderId)));

        Assert.Equal("applied", (await stock.StepHandledAsync(orderId, "release", deliveries: 2))!.Outcome);
        Assert.Equal(new ProductBooks(Available: 10, Reserved: 0, Sold: 0, Restocked: 10), await stock.BooksAsync(productId));
    }

    [Fact]
    public async Task A_reservation_and_its_release_racing_leave_nothing_taken_whichever_wins()
    {
        var productId = await stock.RestockAsync(stock: 10);
        var orderId = Guid.NewGuid();

        await Task.WhenAll(
            bus.PublishAsync(new ReserveStock(orderId, [new OrderLine(productId, 4)])),
            bus.PublishAsync(new ReleaseStock(orderId)));
        var release = await stock.StepHandledAsync(orderId, "release");
        await bus.WaitForEitherAsync<StockReserved, StockReservationFailed>(
            r => r.OrderId == orderId, r => r.OrderId == orderId, StockDriver.Deadline, $"an answer to the reservation of order {orderId}");

        // Release first: a tombstone, and the reservation takes nothing. Reservation first: the release gives it back.
        Assert.Contains(release!.Outcome, new[] { "tombstone", "applied" });
        Assert.Equal(new ProductBooks(Available: 10, Reserved: 0, Sold: 0, Restocked: 10), await stock.BooksAsync(productId));
    }

    [Fact]
    public async Task Releasing_a_reservation_that_failed_puts_nothing_back()
    {
        var productId = await stock.RestockAsync(stock: 2);
        var orderId = Guid.NewGuid();
        await bus.PublishAsync(new ReserveStock(orderId, [new OrderLine(productId, 3)]));
        await bus.WaitForAsync<StockReservationFailed>(reply => reply.OrderId == orderId, StockDriver.Deadline);

        await bus.PublishAsync(new ReleaseStock(orderId));

        Assert.Equal("nothing_held", (await stock.StepHandledAsync(orderId, "release"))!.Outcome);
        Assert.Equal(new ProductBooks(Available: 2, Reserved: 0, Sold: 0, Restocked: 2), await stock.BooksAsync(productId));
    }

    private async Task<(string ProductId, Guid OrderId)> ReservedAsync(long stockLevel, int quantity)
    {
        var productId = await stock.RestockAsync(stockLevel);
        var orderId = Guid.NewGuid();
        await bus.PublishAsync(new ReserveStock(orderId, [new OrderLine(productId, quantity)]));
        await bus.WaitForAsync<StockReserved>(reply => reply.OrderId == orderId, StockDriver.Deadline);
        return (productId, orderId);
    }

    private Task<List<T>> RepliesAsync<T>(Guid orderId, int count) where T : class =>
        Eventually.Until(
            () => Task.FromResult(bus.Received<T>().Where(reply => OrderOf(reply) == orderId).ToList()),
            replies => replies.Count >= count,
            StockDriver.Deadline,
            $"{count} {typeof(T).Name} for order {orderId}");

    private static Guid OrderOf(object reply) => reply switch
    {
        StockReserved reserved => reserved.OrderId,
        StockReservationFailed failed => failed.OrderId,
        _ => Guid.Empty,
    };
}
