using Commerce.Order.Data;
using Commerce.Order.Outbox;
using Commerce.Order.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Commerce.Order.Saga;

/// <summary>Saga settings (<c>Orders__StepTimeoutSeconds</c>).</summary>
public sealed class SagaOptions
{
    public double StepTimeoutSeconds { get; set; } = 30;
    public TimeSpan StepTimeout => TimeSpan.FromSeconds(StepTimeoutSeconds);
}

/// <summary>
/// The saga's durable repository: reads the order row, runs <see cref="OrderSaga"/>, and writes the new state and the
/// messages it sends in one statement that applies only if the row is still the version it read (PostgreSQL's
/// <c>xmin</c>, Npgsql's documented optimistic concurrency token). When another answer about the same order got there
/// first, it reads again and decides again.
/// </summary>
/// <remarks>
/// Plain Npgsql, not EF Core: every order passes here twice or more, and a lunch-rush profile of Order had EF's query
/// pipeline and change tracking as a third of the process's CPU. Two round trips per answer (read, then write and commit
/// as one statement) instead of three (read under a row lock, writes, commit), and no row lock held while a busy Order
/// process waits for a core between them. The tables are still EF's (<see cref="OrderDbContext"/>, its migrations).
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
    /// Only a few writers race for one order (its two parallel takes' answers, its releases' confirmations, a timeout
    /// sweep), so a few attempts suffice; past them something is wrong, and the message goes back to the broker.
    /// </summary>
    private const int MaxAttempts = 10;

    /// <summary>
    /// Applies <paramref name="happened"/> to the order. <paramref name="skipIfChanged"/>: an order another answer changed
    /// while this one decided is left as it is now: the timeout sweepers of several replicas then share the overdue orders
    /// instead of deciding again for the same ones (the next sweep looks again if it is still overdue).
    /// </summary>
    public async Task ApplyAsync(Guid orderId, object happened, CancellationToken cancellationToken, bool skipIfChanged = false)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var (order, version) = await LoadAsync(connection, orderId, cancellationToken);
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

            if (!await TryWriteAsync(connection, order, version, repriced, messages, now, cancellationToken))
            {
                // Another answer about this order was written since the read: what to do may have changed with it.
                metrics.SagaWriteConflicted();
                if (skipIfChanged) return;
                if (attempt == MaxAttempts)
                {
                    throw new InvalidOperationException($"Order {orderId} changed under {attempt} attempts to apply {happened.GetType().Name}.");
                }

                continue;
            }

            relay.WakeUp();
            Report(order, happened, before, messages.Count, now);
            return;
        }
    }

    private void Report(OrderRecord order, object happened, SagaState before, int messageCount, DateTimeOffset now)
    {
        if (happened is StepTimedOut && order.Step == before.Step)
        {
            logger.LogWarning("Order {OrderId}: {Step} still unconfirmed at its deadline; sent {Count} commands again", order.OrderId, before.Step, messageCount);
        }

        if (order.Step != before.Step)
        {
            if (happened is StepTimedOut) logger.LogWarning("Order {OrderId} timed out in {Step}", order.OrderId, before.Step);
            metrics.StepFinished(before.Step, now - before.StepStartedAt);
            if (OrderSaga.IsFinal(order.Step)) metrics.OrderFinished(order.Status, order.Reason, now - order.CreatedAt);
        }
    }

    /// <summary>The order and its lines, and the version of the order's row it read; a null order when there is none.</summary>
    private static async Task<(OrderRecord? Order, uint Version)> LoadAsync(NpgsqlConnection connection, Guid orderId, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            """
            SELECT o.xmin, o.user_id, o.idempotency_key, o.request_hash, o.status, o.step, o.reason, o.coupon_id,
                   o.subtotal, o.discount, o.total, o.stock_reserved, o.coupon_redeemed, o.funds_reserved,
                   o.step_started_at, o.step_deadline, o.created_at, o.updated_at,
                   i.line_number, i.product_id, i.quantity, i.unit_price
            FROM orders o JOIN order_items i ON i.order_id = o.order_id
            WHERE o.order_id = $1
            ORDER BY i.line_number
            """, connection);
        select.Parameters.AddPositional(orderId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        OrderRecord? order = null;
        uint version = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            version = reader.GetFieldValue<uint>(0);
            order ??= new OrderRecord
            {
                OrderId = orderId,
                UserId = reader.GetString(1),
                IdempotencyKey = reader.GetString(2),
                RequestHash = reader.GetString(3),
                Status = reader.GetString(4),
                Step = Enum.Parse<OrderStep>(reader.GetString(5)),
                Reason = reader.IsDBNull(6) ? null : reader.GetString(6),
                CouponId = reader.IsDBNull(7) ? null : reader.GetGuid(7),
                Subtotal = reader.GetInt64(8),
                Discount = reader.GetInt64(9),
                Total = reader.GetInt64(10),
                StockReserved = reader.GetBoolean(11),
                CouponRedeemed = reader.GetBoolean(12),
                FundsReserved = reader.GetBoolean(13),
                StepStartedAt = reader.GetFieldValue<DateTimeOffset>(14),
                StepDeadline = reader.GetFieldValue<DateTimeOffset>(15),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(16),
                UpdatedAt = reader.GetFieldValue<DateTimeOffset>(17),
            };
            order.Items.Add(new OrderItemRecord
            {
                OrderId = orderId,
                LineNumber = reader.GetInt32(18),
                ProductId = reader.GetString(19),
                Quantity = reader.GetInt32(20),
                UnitPrice = reader.IsDBNull(21) ? null : reader.GetInt64(21),
            });
        }

        return (order, version);
    }

    private static readonly string WriteStatement =
        $"""
        WITH saga AS (
            UPDATE orders SET status = $2, step = $3, reason = $4, subtotal = $5, discount = $6, total = $7,
                stock_reserved = $8, coupon_redeemed = $9, funds_reserved = $10,
                step_started_at = $11, step_deadline = $12, updated_at = $13
            WHERE order_id = $1 AND xmin = $14
            RETURNING order_id),
        prices AS (
            UPDATE order_items item SET unit_price = line.unit_price
            FROM saga, unnest($15::int[], $16::bigint[]) AS line(line_number, unit_price)
            WHERE item.order_id = saga.order_id AND item.line_number = line.line_number),
        commands AS ({OutboxWriter.InsertFor("saga", createdAt: 17, firstColumn: 18)})
        SELECT count(*) FROM saga
        """;

    /// <summary>
    /// The order's new state, its lines' new prices and its messages as one statement, as placing writes them: PostgreSQL
    /// commits all of it or none, and none when the order's row is no longer <paramref name="version"/> (then false).
    /// The prices and messages hang on the order's update through <c>saga</c>, so a stale decision writes nothing.
    /// </summary>
    private static async Task<bool> TryWriteAsync(
        NpgsqlConnection connection, OrderRecord order, uint version, IReadOnlyList<OrderItemRecord> repriced,
        IReadOnlyList<object> messages, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var write = new NpgsqlCommand(WriteStatement, connection);
        write.Parameters.AddPositional(
            order.OrderId, order.Status, order.Step.ToString(), order.Reason, order.Subtotal, order.Discount, order.Total,
            order.StockReserved, order.CouponRedeemed, order.FundsReserved, order.StepStartedAt, order.StepDeadline, order.UpdatedAt);
        // xmin is an xid; a uint alone would be sent as an oid, which PostgreSQL does not compare with an xid.
        write.Parameters.Add(new NpgsqlParameter { Value = version, NpgsqlDbType = NpgsqlDbType.Xid });
        write.Parameters.AddPositional(repriced.Select(item => item.LineNumber).ToArray(), repriced.Select(item => item.UnitPrice).ToArray(), now);
        write.Parameters.AddPositional(OutboxWriter.Columns(messages));
        return (long)(await write.ExecuteScalarAsync(cancellationToken))! == 1;
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
