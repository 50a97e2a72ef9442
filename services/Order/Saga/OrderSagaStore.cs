using Commerce.Order.Data;
using Commerce.Order.Outbox;
using Commerce.Order.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Commerce.Order.Saga;

/// <summary>Saga settings (<c>Orders__StepTimeoutSeconds</c>).</summary>
public sealed class SagaOptions
{
    public double StepTimeoutSeconds { get; set; } = 30;
    public TimeSpan StepTimeout => TimeSpan.FromSeconds(StepTimeoutSeconds);
}

/// <summary>
/// The saga's durable repository: loads the order row under a row lock, runs <see cref="OrderSaga"/>, and commits the
/// new state and the messages it sends in one transaction. The row lock only serialises answers about one order.
/// </summary>
/// <remarks>
/// Plain Npgsql, not EF Core: every order passes here twice or more, and a lunch-rush profile of Order had EF's query
/// pipeline and change tracking as a third of the process's CPU for three statements it can send as they are (one
/// read, one batch of writes, the commit). The tables are still EF's (<see cref="OrderDbContext"/>, its migrations).
/// </remarks>
public sealed class OrderSagaStore(
    NpgsqlDataSource dataSource,
    OutboxRelay relay,
    OrderMetrics metrics,
    IOptions<SagaOptions> options,
    TimeProvider clock,
    ILogger<OrderSagaStore> logger)
{
    /// <summary>
    /// Applies <paramref name="happened"/> to the order. <paramref name="skipIfBusy"/>: an order whose row another transaction
    /// holds is left to it (SKIP LOCKED): the timeout sweepers of several replicas then share the overdue orders instead
    /// of queueing behind each other for the same ones.
    /// </summary>
    public async Task ApplyAsync(Guid orderId, object happened, CancellationToken cancellationToken, bool skipIfBusy = false)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var order = await LoadForUpdateAsync(connection, orderId, skipIfBusy, cancellationToken);
        if (order is null && skipIfBusy)
        {
            return;
        }

        if (order is null)
        {
            logger.LogWarning("{Message} for unknown order {OrderId} ignored", happened.GetType().Name, orderId);
            return;
        }

        var now = clock.GetUtcNow();
        var before = SagaState.Of(order);
        var pricesBefore = order.Items.ToDictionary(item => item.LineNumber, item => item.UnitPrice);
        var messages = OrderSaga.Apply(order, happened, now, options.Value.StepTimeout);
        // A confirmation that is not the last changes only a flag: that must be saved too, so compare, not ask the step.
        var changed = SagaState.Of(order) != before;
        var repriced = order.Items.Where(item => item.UnitPrice != pricesBefore[item.LineNumber]).ToList();
        if (messages.Count == 0 && !changed && repriced.Count == 0)
        {
            logger.LogDebug("{Message} for order {OrderId} in {Step} changes nothing", happened.GetType().Name, orderId, before.Step);
            return;
        }

        await using (var write = new NpgsqlBatch(connection, transaction))
        {
            if (changed) write.BatchCommands.Add(UpdateOrder(order));
            foreach (var item in repriced) write.BatchCommands.Add(SetUnitPrice(item));
            foreach (var message in messages) write.BatchCommands.Add(OutboxWriter.Insert(message, now));
            await write.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        relay.WakeUp();

        if (happened is StepTimedOut && order.Step == before.Step)
        {
            logger.LogWarning("Order {OrderId}: {Step} still unconfirmed at its deadline; sent {Count} commands again", orderId, before.Step, messages.Count);
        }

        if (order.Step != before.Step)
        {
            if (happened is StepTimedOut) logger.LogWarning("Order {OrderId} timed out in {Step}", orderId, before.Step);
            metrics.StepFinished(before.Step, now - before.StepStartedAt);
            if (OrderSaga.IsFinal(order.Step)) metrics.OrderFinished(order.Status, order.Reason, now - order.CreatedAt);
        }
    }

    /// <summary>The order and its lines, the order's row locked; null when there is none (or, skipping, when it is busy).</summary>
    private static async Task<OrderRecord?> LoadForUpdateAsync(NpgsqlConnection connection, Guid orderId, bool skipIfBusy, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            $"""
            SELECT o.user_id, o.idempotency_key, o.request_hash, o.status, o.step, o.reason, o.coupon_id,
                   o.subtotal, o.discount, o.total, o.stock_reserved, o.coupon_redeemed, o.funds_reserved,
                   o.step_started_at, o.step_deadline, o.created_at, o.updated_at,
                   i.line_number, i.product_id, i.quantity, i.unit_price
            FROM orders o JOIN order_items i ON i.order_id = o.order_id
            WHERE o.order_id = $1
            ORDER BY i.line_number
            FOR UPDATE OF o{(skipIfBusy ? " SKIP LOCKED" : "")}
            """, connection);
        select.Parameters.AddPositional(orderId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        OrderRecord? order = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            order ??= new OrderRecord
            {
                OrderId = orderId,
                UserId = reader.GetString(0),
                IdempotencyKey = reader.GetString(1),
                RequestHash = reader.GetString(2),
                Status = reader.GetString(3),
                Step = Enum.Parse<OrderStep>(reader.GetString(4)),
                Reason = reader.IsDBNull(5) ? null : reader.GetString(5),
                CouponId = reader.IsDBNull(6) ? null : reader.GetGuid(6),
                Subtotal = reader.GetInt64(7),
                Discount = reader.GetInt64(8),
                Total = reader.GetInt64(9),
                StockReserved = reader.GetBoolean(10),
                CouponRedeemed = reader.GetBoolean(11),
                FundsReserved = reader.GetBoolean(12),
                StepStartedAt = reader.GetFieldValue<DateTimeOffset>(13),
                StepDeadline = reader.GetFieldValue<DateTimeOffset>(14),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(15),
                UpdatedAt = reader.GetFieldValue<DateTimeOffset>(16),
            };
            order.Items.Add(new OrderItemRecord
            {
                OrderId = orderId,
                LineNumber = reader.GetInt32(17),
                ProductId = reader.GetString(18),
                Quantity = reader.GetInt32(19),
                UnitPrice = reader.IsDBNull(20) ? null : reader.GetInt64(20),
            });
        }

        return order;
    }

    private static NpgsqlBatchCommand UpdateOrder(OrderRecord order)
    {
        var update = new NpgsqlBatchCommand(
            """
            UPDATE orders SET status = $2, step = $3, reason = $4, subtotal = $5, discount = $6, total = $7,
                stock_reserved = $8, coupon_redeemed = $9, funds_reserved = $10,
                step_started_at = $11, step_deadline = $12, updated_at = $13
            WHERE order_id = $1
            """);
        update.Parameters.AddPositional(
            order.OrderId, order.Status, order.Step.ToString(), order.Reason, order.Subtotal, order.Discount, order.Total,
            order.StockReserved, order.CouponRedeemed, order.FundsReserved, order.StepStartedAt, order.StepDeadline, order.UpdatedAt);
        return update;
    }

    private static NpgsqlBatchCommand SetUnitPrice(OrderItemRecord item)
    {
        var update = new NpgsqlBatchCommand("UPDATE order_items SET unit_price = $3 WHERE order_id = $1 AND line_number = $2");
        update.Parameters.AddPositional(item.OrderId, item.LineNumber, item.UnitPrice);
        return update;
    }

    /// <summary>What a step may change of an order row (its lines' prices are compared apart), to tell whether there is anything to write.</summary>
    private sealed record SagaState(
        string Status, OrderStep Step, string? Reason, long Subtotal, long Discount, long Total,
        bool StockReserved, bool CouponRedeemed, bool FundsReserved,
        DateTimeOffset StepStartedAt, DateTimeOffset StepDeadline, DateTimeOffset UpdatedAt)
    {
        public static SagaState Of(OrderRecord order) =>
            new(order.Status, order.Step, order.Reason, order.Subtotal, order.Discount, order.Total,
                order.StockReserved, order.CouponRedeemed, order.FundsReserved,
                order.StepStartedAt, order.StepDeadline, order.UpdatedAt);
    }
}
