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
    public async Task A_redelivered_reservation_answers_the_same_prices_and_reserves_once()
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
        Assert.Equal((7, 3), (books.Available, books.Reserved));
        Assert.True(books.Balances);
    }

    [Fact]
    public async Task A_reservation_delivered_twice_at_once_reserves_once()
    {
        var productId = await stock.RestockAsync(stock: 10);
        var orderId = Guid.NewGuid();
        var message = new ReserveStock(orderId, [new OrderLine(productId, 4)]);

        await Task.WhenAll(bus.PublishAsync(message), bus.PublishAsync(message));
        await RepliesAsync<StockReserved>(orderId, count: 2);

        var books = await stock.BooksAsync(productId);
        Assert.Equal((6, 4), (books.Available, books.Reserved));
        Assert.True(books.Balances);
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
    public async Task A_commit_delivered_twice_sells_once()
    {
        var (productId, orderId) = await ReservedAsync(stockLevel: 10, quantity: 4);

        await Task.WhenAll(bus.PublishAsync(new CommitStock(orderId)), bus.PublishAsync(new CommitStock(orderId)));
        await stock.StepHandledAsync(orderId, "commit", deliveries: 2);

        Assert.Equal(new ProductBooks(Available: 6, Reserved: 0, Sold: 4, Restocked: 10), await stock.BooksAsync(productId));
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
    public async Task A_release_after_the_commit_is_refused_and_changes_nothing()
    {
        var (productId, orderId) = await ReservedAsync(stockLevel: 10, quantity: 4);
        await bus.PublishAsync(new CommitStock(orderId));
        await stock.StepHandledAsync(orderId, "commit");

        await bus.PublishAsync(new ReleaseStock(orderId));

        Assert.Equal("refused", (await stock.StepHandledAsync(orderId, "release"))!.Outcome);
        Assert.Equal(new ProductBooks(Available: 6, Reserved: 0, Sold: 4, Restocked: 10), await stock.BooksAsync(productId));
    }

    [Fact]
    public async Task A_commit_after_the_release_is_refused_and_changes_nothing()
    {
        var (productId, orderId) = await ReservedAsync(stockLevel: 10, quantity: 4);
        await bus.PublishAsync(new ReleaseStock(orderId));
        await stock.StepHandledAsync(orderId, "release");

        await bus.PublishAsync(new CommitStock(orderId));

        Assert.Equal("refused", (await stock.StepHandledAsync(orderId, "commit"))!.Outcome);
        Assert.Equal(new ProductBooks(Available: 10, Reserved: 0, Sold: 0, Restocked: 10), await stock.BooksAsync(productId));
    }

    [Fact]
    public async Task Commit_and_release_racing_for_one_reservation_settle_it_exactly_once()
    {
        var (productId, orderId) = await ReservedAsync(stockLevel: 10, quantity: 4);

        await Task.WhenAll(bus.PublishAsync(new CommitStock(orderId)), bus.PublishAsync(new ReleaseStock(orderId)));
        var commit = await stock.StepHandledAsync(orderId, "commit");
        var release = await stock.StepHandledAsync(orderId, "release");

        Assert.Equal(["applied", "refused"], new[] { commit!.Outcome, release!.Outcome }.Order());
        var books = await stock.BooksAsync(productId);
        Assert.Equal(0, books.Reserved);
        Assert.True(books.Balances);
        Assert.Equal(commit.Outcome == "applied" ? 4 : 0, books.Sold);
    }

    [Fact]
    public async Task A_commit_without_a_reservation_is_refused()
    {
        var orderId = Guid.NewGuid();

        await bus.PublishAsync(new CommitStock(orderId));

        Assert.Equal("refused", (await stock.StepHandledAsync(orderId, "commit"))!.Outcome);
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
