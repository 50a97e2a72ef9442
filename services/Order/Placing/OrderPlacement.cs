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
/// Places an order under the caller's lock: inserts the order, its items, its saga state and the first saga commands
/// in one statement, or answers a repeated Idempotency-Key from the stored order.
/// </summary>
public sealed class OrderPlacement(OrderDbContext db, NpgsqlDataSource dataSource, OutboxRelay relay, OrderMetrics metrics, IOptions<SagaOptions> sagaOptions, TimeProvider clock)
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
        if (!await InsertUnlessKeyUsedAsync(order, firstCommands, now, cancellationToken))
        {
            // The key was used before (a retry, or the lock expired or was bypassed and the same key won elsewhere).
            return await FindByKeyAsync(userId, idempotencyKey, fingerprint, cancellationToken)
                ?? throw new InvalidOperationException($"Idempotency-Key {idempotencyKey} conflicted, but no order of {userId} has it.");
        }

        relay.WakeUp();
        metrics.OrderPlaced();
        return new PlacementOutcome.Accepted(order.OrderId);
    }

    private static readonly string InsertStatement =
        $"""
        WITH placed AS (
            INSERT INTO orders (order_id, user_id, idempotency_key, request_hash, status, step, reason, coupon_id,
                subtotal, discount, total, stock_reserved, coupon_redeemed, funds_reserved,
                step_started_at, step_deadline, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
            ON CONFLICT (user_id, idempotency_key) DO NOTHING
            RETURNING order_id),
        lines AS (
            INSERT INTO order_items (order_id, line_number, product_id, quantity, unit_price)
            SELECT placed.order_id, line.line_number, line.product_id, line.quantity, line.unit_price
            FROM placed, unnest($18::int[], $19::text[], $20::int[], $21::bigint[]) AS line(line_number, product_id, quantity, unit_price)),
        commands AS ({OutboxWriter.InsertFor("placed", createdAt: 17, firstColumn: 22)})
        SELECT count(*) FROM placed
        """;

    /// <summary>
    /// The order, its lines, its saga state and its first commands as one statement (one round trip, its own transaction):
    /// nothing of it is written when the user already has an order with that key, and then it answers false. The unique
    /// index decides between two requests with one key, whatever the lock did. Plain Npgsql, not EF Core: EF's
    /// look-up, change tracking and explicit transaction were three round trips and a tenth of Order's CPU per order.
    /// </summary>
    private async Task<bool> InsertUnlessKeyUsedAsync(OrderRecord order, IReadOnlyList<object> firstCommands, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var insert = dataSource.CreateCommand(InsertStatement);
        insert.Parameters.AddPositional(
            order.OrderId, order.UserId, order.IdempotencyKey, order.RequestHash, order.Status, order.Step.ToString(),
            order.Reason, order.CouponId, order.Subtotal, order.Discount, order.Total,
            order.StockReserved, order.CouponRedeemed, order.FundsReserved, order.StepStartedAt, order.StepDeadline, now,
            order.Items.Select(item => item.LineNumber).ToArray(), order.Items.Select(item => item.ProductId).ToArray(),
            order.Items.Select(item => item.Quantity).ToArray(), order.Items.Select(item => item.UnitPrice).ToArray());
        insert.Parameters.AddPositional(OutboxWriter.Columns(firstCommands));
        return (long)(await insert.ExecuteScalarAsync(cancellationToken))! == 1;
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
