using Commerce.Order.Data;
using Commerce.Order.Outbox;
using Commerce.Order.Saga;
using Commerce.Order.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Commerce.Order.Placing;

/// <summary>What placing an order came to.</summary>
public abstract record PlacementOutcome
{
    public sealed record Accepted(Guid OrderId) : PlacementOutcome;
    public sealed record Repeated(Guid OrderId, string Status) : PlacementOutcome;
    public sealed record KeyReused : PlacementOutcome;
}

/// <summary>
/// Places an order under the caller's lock: answers a repeated Idempotency-Key from the stored order, otherwise
/// inserts the order, its items, its saga state and the first saga command in one transaction.
/// </summary>
public sealed class OrderPlacement(OrderDbContext db, OutboxRelay relay, OrderMetrics metrics, IOptions<SagaOptions> sagaOptions, TimeProvider clock)
{
    /// <summary>
    /// Waits until the order is no longer Pending, or <paramref name="budget"/> passed (the lock it is held under has
    /// expired by then anyway). Only the incident's Global scope waits: it replays code that did the whole order in the request.
    /// </summary>
    public async Task WaitUntilFinalAsync(Guid orderId, TimeSpan budget, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + budget;
        while (clock.GetUtcNow() < deadline
            && await db.Orders.AsNoTracking().Where(order => order.OrderId == orderId).Select(order => order.Status).FirstAsync(cancellationToken) == OrderStatus.Pending)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), clock, cancellationToken);
        }
    }

    /// <param name="unitPrices">The products' prices read at placement, or null: then Stock prices the lines as it takes them.</param>
    public async Task<PlacementOutcome> PlaceAsync(
        string userId, string idempotencyKey, PlaceOrderRequest request, IReadOnlyDictionary<string, long>? unitPrices, CancellationToken cancellationToken)
    {
        var fingerprint = PlaceOrderValidation.Fingerprint(request);
        if (await FindByKeyAsync(userId, idempotencyKey, fingerprint, cancellationToken) is { } earlier)
        {
            return earlier;
        }

        var now = clock.GetUtcNow();
        var order = new OrderRecord
        {
            OrderId = Guid.CreateVersion7(now),
            UserId = userId,
            IdempotencyKey = idempotencyKey,
            RequestHash = fingerprint,
            CouponId = request.CouponId,
            CreatedAt = now,
            Items = request.Items!.Select((item, index) => new OrderItemRecord
            {
                LineNumber = index + 1,
                ProductId = item.ProductId!,
                Quantity = item.Quantity,
                UnitPrice = unitPrices is not null && unitPrices.TryGetValue(item.ProductId!, out var price) ? price : null,
            }).ToList(),
        };
        var firstCommands = OrderSaga.Start(order, now, sagaOptions.Value.StepTimeout);
        db.Orders.Add(order);
        OutboxWriter.Enqueue(db, firstCommands, now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // The lock expired or was bypassed and the same key won elsewhere: the unique index decides.
            db.ChangeTracker.Clear();
            return await FindByKeyAsync(userId, idempotencyKey, fingerprint, cancellationToken)
                ?? throw new InvalidOperationException("Unique violation without a conflicting order.", exception);
        }

        relay.WakeUp();
        metrics.OrderPlaced();
        return new PlacementOutcome.Accepted(order.OrderId);
    }

    private async Task<PlacementOutcome?> FindByKeyAsync(string userId, string idempotencyKey, string fingerprint, CancellationToken cancellationToken)
    {
        var earlier = await db.Orders.AsNoTracking()
            .Where(o => o.UserId == userId && o.IdempotencyKey == idempotencyKey)
            .Select(o => new { o.OrderId, o.Status, o.RequestHash })
            .SingleOrDefaultAsync(cancellationToken);
        return earlier switch
        {
            null => null,
            _ when earlier.RequestHash == fingerprint => new PlacementOutcome.Repeated(earlier.OrderId, earlier.Status),
            _ => new PlacementOutcome.KeyReused(),
        };
    }
}
