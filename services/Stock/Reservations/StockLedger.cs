using Commerce.Contracts;
using Commerce.Stock.Products;
using Npgsql;

namespace Commerce.Stock.Reservations;

/// <summary>
/// The one place that changes stock. An order takes its quantities for good (on sale → sold) in one step, and only the
/// saga's compensation gives them back: no commit round per order. Every change is a short transaction that records its step row
/// (<c>stock_steps</c>, keyed by order and kind) together with the quantities it moved (<c>stock_movements</c>),
/// so a redelivered or duplicated message finds its step already there and changes nothing.
/// </summary>
public sealed class StockLedger(NpgsqlDataSource db, StockMetrics metrics, ILogger<StockLedger> logger)
{
    private const string Reserve = "reserve";
    private const string Release = "release";
    private const string Restock = "restock";
    private const string Pending = "pending";
    private const string Applied = "applied";
    private const string Tombstone = "tombstone";
    private const string Refused = "refused";
    private const string NothingHeld = "nothing_held";

    /// <summary>The step's unique key (order, kind): a second delivery's claim fails on it.</summary>
    private const string StepKey = "PK_stock_steps";

    /// <summary>
    /// Takes every line or none, for good, in one round trip that is also its transaction: the step's row is claimed,
    /// the products are locked in ordinal order, and one statement decides, takes, records the movements and sets the
    /// outcome. The product rows are locked only while the database runs those statements and commits; every order
    /// wants the same few products, so that is how long the next order waits.
    /// </summary>
    public async Task<ReservationOutcome> ReserveAsync(Guid orderId, IReadOnlyList<OrderLine>? lines, CancellationToken cancellationToken)
    {
        var plan = ReservationPlan.For(lines);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        string outcome;
        List<PricedLine> priced = [];
        try
        {
            if (plan.Refusal is { } refusal)
            {
                await ExecuteAsync(connection, [ClaimReservation(orderId, refusal)], cancellationToken);
                outcome = refusal;
            }
            else
            {
                (outcome, priced) = await TakeAsync(connection, orderId, plan.Lines, cancellationToken);
            }
        }
        catch (PostgresException taken) when (taken is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: StepKey })
        {
            // The step's row was there (a redelivery, a copy that waited for the first one's commit, or a release's
            // tombstone): the whole batch rolled back, and the answer is the one the row records.
            var replay = await ReplayReservationAsync(connection, orderId, cancellationToken);
            metrics.Reservation(replay.Duplicate ? StockOutcomes.Duplicate : replay.FailureReason ?? StockOutcomes.Reserved);
            return replay;
        }

        metrics.Reservation(outcome);
        if (outcome != StockOutcomes.Reserved)
        {
            logger.LogInformation("Order {OrderId}: nothing reserved ({Reason})", orderId, outcome);
            return ReservationOutcome.Failed(outcome, duplicate: false);
        }

        return ReservationOutcome.Reserved(priced, duplicate: false);
    }

    /// <summary>
    /// The reservation's three statements, sent together without a transaction of our own: PostgreSQL runs a batch as one
    /// implicit transaction, so a failure in any statement (the claim's unique key above all) rolls back all of them.
    /// </summary>
    private static async Task<(string Outcome, List<PricedLine> Lines)> TakeAsync(
        NpgsqlConnection connection, Guid orderId, IReadOnlyList<OrderLine> lines, CancellationToken cancellationToken)
    {
        var productIds = lines.Select(line => line.ProductId).ToArray();
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(ClaimReservation(orderId, Pending));
        // Locked in the one fixed order first, so the next statement starts after every earlier taker committed and
        // sees what is on sale now; two orders of several lines never lock each other's products crosswise.
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """SELECT product_id FROM products WHERE product_id = ANY($1) ORDER BY product_id COLLATE "C" FOR UPDATE""")
        {
            Parameters = { new() { Value = productIds } },
        });
        // The rule that stock never goes negative: every line is taken only if every line is on sale.
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            WITH wanted AS (
                SELECT line.product_id, line.quantity FROM unnest($2::text[], $3::bigint[]) AS line(product_id, quantity)
            ), verdict AS (
                SELECT CASE
                    WHEN count(p.product_id) < count(*) THEN '{StockOutcomes.UnknownProduct}'
                    WHEN bool_and(p.available >= w.quantity) THEN '{StockOutcomes.Reserved}'
                    ELSE '{StockOutcomes.InsufficientStock}'
                END AS outcome
                FROM wanted w LEFT JOIN products p ON p.product_id = w.product_id
            ), taken AS (
                UPDATE products p SET available = p.available - w.quantity, sold = p.sold + w.quantity
                FROM wanted w
                WHERE p.product_id = w.product_id AND p.available >= w.quantity
                  AND (SELECT outcome FROM verdict) = '{StockOutcomes.Reserved}'
                RETURNING p.product_id, w.quantity, p.price
            ), moved AS (
                INSERT INTO stock_movements (order_id, kind, product_id, quantity, unit_price)
                SELECT $1, '{Reserve}', product_id, quantity, price FROM taken
            ), decided AS (
                UPDATE stock_steps SET outcome = (SELECT outcome FROM verdict) WHERE order_id = $1 AND kind = '{Reserve}'
            )
            SELECT verdict.outcome, taken.product_id, taken.quantity, taken.price FROM verdict LEFT JOIN taken ON true
            """)
        {
            Parameters =
            {
                new() { Value = orderId },
                new() { Value = productIds },
                new() { Value = lines.Select(line => (long)line.Quantity).ToArray() },
            },
        });

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken); // past the locked product ids, to the decision
        var outcome = StockOutcomes.InsufficientStock;
        var priced = new List<PricedLine>(lines.Count);
        while (await reader.ReadAsync(cancellationToken))
        {
            outcome = reader.GetString(0);
            if (!reader.IsDBNull(1))
            {
                priced.Add(new PricedLine(reader.GetString(1), checked((int)reader.GetInt64(2)), reader.GetInt64(3)));
            }
        }

        priced.Sort((a, b) => string.CompareOrdinal(a.ProductId, b.ProductId));
        return (outcome, priced);
    }

    /// <summary>Creates or changes a product and sets its available quantity, recording the difference as a restock.</summary>
    public async Task<ProductView> RestockAsync(string productId, string name, long price, long stock, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using (var create = new NpgsqlCommand(
            """
            INSERT INTO products (product_id, name, price, available, reserved, sold)
            VALUES (@id, @name, @price, 0, 0, 0)
            ON CONFLICT (product_id) DO NOTHING
            """, connection))
        {
            create.Parameters.AddWithValue("id", productId);
            create.Parameters.AddWithValue("name", name);
            create.Parameters.AddWithValue("price", price);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        // Renaming first takes the row lock and returns what is on sale now, so the recorded difference is exact even
        // while orders reserve the same product.
        long before;
        await using (var rename = new NpgsqlCommand(
            "UPDATE products SET name = @name, price = @price, updated_at = now() WHERE product_id = @id RETURNING available",
            connection))
        {
            rename.Parameters.AddWithValue("id", productId);
            rename.Parameters.AddWithValue("name", name);
            rename.Parameters.AddWithValue("price", price);
            before = (long)(await rename.ExecuteScalarAsync(cancellationToken))!;
        }

        ProductView product;
        await using (var set = new NpgsqlCommand(
            """
            UPDATE products SET available = @stock WHERE product_id = @id
            RETURNING product_id, name, price, available, reserved, sold
            """, connection))
        {
            set.Parameters.AddWithValue("id", productId);
            set.Parameters.AddWithValue("stock", stock);
            await using var reader = await set.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            product = ProductCatalog.Read(reader);
        }

        await using (var movement = new NpgsqlCommand(
            "INSERT INTO stock_movements (order_id, kind, product_id, quantity) VALUES (NULL, @kind, @id, @delta)", connection))
        {
            movement.Parameters.AddWithValue("kind", Restock);
            movement.Parameters.AddWithValue("id", productId);
            movement.Parameters.AddWithValue("delta", stock - before);
            await movement.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Product {ProductId} restocked: available {Before} -> {After}", productId, before, stock);
        return product;
    }

    /// <summary>
    /// Puts the quantities the order took back on sale, once. A release that arrives before its reservation leaves a
    /// tombstone, so the late reservation takes nothing.
    /// </summary>
    public async Task<Settlement> ReleaseAsync(Guid orderId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        if (!await ClaimStepAsync(connection, Release, orderId, cancellationToken))
        {
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Order {OrderId}: release already recorded; nothing changed", orderId);
            return Settlement.Duplicate;
        }

        if (await TakeReservationSlotAsync(connection, orderId, cancellationToken))
        {
            // The saga gave up on this order before its reservation arrived: taking the reservation's slot now means
            // the late ReserveStock finds it and takes nothing.
            await SetOutcomeAsync(connection, Release, orderId, Tombstone, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            logger.LogWarning("Order {OrderId}: release arrived before its reservation; a later reservation will take nothing", orderId);
            return Settlement.Tombstoned;
        }

        // The conditional update marks the reservation released exactly once, whatever copies race for it.
        if (!await MarkReservationReleasedAsync(connection, orderId, cancellationToken))
        {
            var (outcome, settledBy) = await ReadReservationAsync(connection, orderId, cancellationToken);
            // Nothing is applied, but the step row records why, so a redelivery of it is a duplicate too.
            if (outcome is StockOutcomes.InsufficientStock or StockOutcomes.UnknownProduct)
            {
                await SetOutcomeAsync(connection, Release, orderId, NothingHeld, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Order {OrderId}: release of a reservation that failed; nothing held", orderId);
                return Settlement.NothingHeld;
            }

            await SetOutcomeAsync(connection, Release, orderId, Refused, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            logger.LogWarning(
                "Order {OrderId}: release refused (reservation {Outcome}, settled by {SettledBy}); nothing changed",
                orderId, outcome ?? "missing", settledBy ?? "nothing");
            return Settlement.Refused;
        }

        var lines = await ReadReservedLinesAsync(connection, orderId, cancellationToken);
        // The order's own rows first, the shared product rows last: every order wants the same few products, so their
        // row locks are held only from these updates to the commit.
        await ExecuteAsync(connection, [RecordMovements(Release, orderId, lines), SetOutcome(Release, orderId, Applied)], cancellationToken);

        foreach (var line in lines)
        {
            await using var giveBack = new NpgsqlCommand(
                "UPDATE products SET sold = sold - @q, available = available + @q WHERE product_id = @id", connection);
            giveBack.Parameters.AddWithValue("id", line.ProductId);
            giveBack.Parameters.AddWithValue("q", (long)line.Quantity);
            await giveBack.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        logger.LogDebug("Order {OrderId}: release applied to {Lines} lines", orderId, lines.Count);
        return Settlement.Applied;
    }

    /// <summary>
    /// Records that the step's message arrived; true only for the first delivery (its row is still pending). A copy that
    /// arrives while the first is in flight waits on the row until the first commits, then counts as a redelivery.
    /// </summary>
    private static async Task<bool> ClaimStepAsync(NpgsqlConnection connection, string kind, Guid orderId, CancellationToken cancellationToken)
    {
        await using var claim = new NpgsqlCommand(
            """
            INSERT INTO stock_steps (order_id, kind, outcome) VALUES (@order, @kind, 'pending')
            ON CONFLICT (order_id, kind) DO UPDATE SET deliveries = stock_steps.deliveries + 1
            RETURNING outcome
            """, connection);
        claim.Parameters.AddWithValue("order", orderId);
        claim.Parameters.AddWithValue("kind", kind);
        // A committed step always has its final outcome, so 'pending' can only be the row this statement inserted.
        return (string?)await claim.ExecuteScalarAsync(cancellationToken) == Pending;
    }

    /// <summary>Takes a reservation's slot before its ReserveStock arrived (a tombstone); false when it already arrived.</summary>
    private static async Task<bool> TakeReservationSlotAsync(NpgsqlConnection connection, Guid orderId, CancellationToken cancellationToken)
    {
        await using var take = new NpgsqlCommand(
            """
            INSERT INTO stock_steps (order_id, kind, outcome, settled_by, deliveries)
            VALUES (@order, 'reserve', @outcome, 'release', 0)
            ON CONFLICT (order_id, kind) DO NOTHING
            """, connection);
        take.Parameters.AddWithValue("order", orderId);
        take.Parameters.AddWithValue("outcome", StockOutcomes.InsufficientStock);
        return await take.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static Task SetOutcomeAsync(NpgsqlConnection connection, string kind, Guid orderId, string outcome, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, [SetOutcome(kind, orderId, outcome)], cancellationToken);

    /// <summary>Sends the statements in one round trip, in order.</summary>
    private static async Task ExecuteAsync(NpgsqlConnection connection, IEnumerable<NpgsqlBatchCommand> commands, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var command in commands) batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The reservation's step row; no ON CONFLICT, so a second delivery fails here and rolls its batch back.</summary>
    private static NpgsqlBatchCommand ClaimReservation(Guid orderId, string outcome) =>
        new($"INSERT INTO stock_steps (order_id, kind, outcome) VALUES ($1, '{Reserve}', $2)")
        {
            Parameters = { new() { Value = orderId }, new() { Value = outcome } },
        };

    private static NpgsqlBatchCommand SetOutcome(string kind, Guid orderId, string outcome) =>
        new("UPDATE stock_steps SET outcome = $1 WHERE order_id = $2 AND kind = $3")
        {
            Parameters = { new() { Value = outcome }, new() { Value = orderId }, new() { Value = kind } },
        };

    private static NpgsqlBatchCommand RecordMovements(string kind, Guid orderId, IReadOnlyList<PricedLine> lines) =>
        new(
            """
            INSERT INTO stock_movements (order_id, kind, product_id, quantity, unit_price)
            SELECT $1, $2, line.product_id, line.quantity, line.unit_price
            FROM unnest($3::text[], $4::bigint[], $5::bigint[]) AS line(product_id, quantity, unit_price)
            """)
        {
            Parameters =
            {
                new() { Value = orderId },
                new() { Value = kind },
                new() { Value = lines.Select(line => line.ProductId).ToArray() },
                new() { Value = lines.Select(line => (long)line.Quantity).ToArray() },
                new() { Value = lines.Select(line => line.UnitPrice).ToArray() },
            },
        };

    private static async Task<bool> MarkReservationReleasedAsync(NpgsqlConnection connection, Guid orderId, CancellationToken cancellationToken)
    {
        await using var settle = new NpgsqlCommand(
            """
            UPDATE stock_steps SET settled_by = 'release'
            WHERE order_id = @order AND kind = 'reserve' AND outcome = 'reserved' AND settled_by IS NULL
            """, connection);
        settle.Parameters.AddWithValue("order", orderId);
        return await settle.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// What the reservation's step row recorded, null when there is none; <paramref name="countDelivery"/> counts one more
    /// delivery of it in the same statement (a redelivery replaying the first answer).
    /// </summary>
    private static async Task<(string? Outcome, string? SettledBy)> ReadReservationAsync(
        NpgsqlConnection connection, Guid orderId, CancellationToken cancellationToken, bool countDelivery = false)
    {
        await using var read = new NpgsqlCommand(
            countDelivery
                ? $"UPDATE stock_steps SET deliveries = deliveries + 1 WHERE order_id = $1 AND kind = '{Reserve}' RETURNING outcome, settled_by"
                : $"SELECT outcome, settled_by FROM stock_steps WHERE order_id = $1 AND kind = '{Reserve}'",
            connection)
        {
            Parameters = { new() { Value = orderId } },
        };
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1))
            : (null, null);
    }

    private static async Task<List<PricedLine>> ReadReservedLinesAsync(NpgsqlConnection connection, Guid orderId, CancellationToken cancellationToken)
    {
        await using var read = new NpgsqlCommand(
            """
            SELECT product_id, quantity, unit_price FROM stock_movements
            WHERE order_id = @order AND kind = 'reserve'
            ORDER BY product_id COLLATE "C"
            """, connection);
        read.Parameters.AddWithValue("order", orderId);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        var lines = new List<PricedLine>();
        while (await reader.ReadAsync(cancellationToken))
        {
            lines.Add(new PricedLine(reader.GetString(0), checked((int)reader.GetInt64(1)), reader.GetInt64(2)));
        }

        return lines;
    }

    /// <summary>The answer the first delivery gave, rebuilt from the stored rows: same lines, same prices.</summary>
    private async Task<ReservationOutcome> ReplayReservationAsync(NpgsqlConnection connection, Guid orderId, CancellationToken cancellationToken)
    {
        var (outcome, settledBy) = await ReadReservationAsync(connection, orderId, cancellationToken, countDelivery: true);
        if (outcome == StockOutcomes.Reserved)
        {
            logger.LogInformation("Order {OrderId}: reservation redelivered; answering as before", orderId);
            return ReservationOutcome.Reserved(await ReadReservedLinesAsync(connection, orderId, cancellationToken), duplicate: true);
        }

        if (settledBy == Release)
        {
            // The tombstone a timed-out saga's release left: this is the reservation's first answer, not a replay.
            logger.LogWarning("Order {OrderId}: reservation arrived after its release; nothing reserved", orderId);
            return ReservationOutcome.Failed(outcome ?? StockOutcomes.InsufficientStock, duplicate: false);
        }

        return ReservationOutcome.Failed(outcome ?? StockOutcomes.InsufficientStock, duplicate: true);
    }
}

/// <summary>What a reservation answered: the priced lines, or the reason nothing was reserved.</summary>
public sealed record ReservationOutcome(IReadOnlyList<PricedLine>? Lines, string? FailureReason, bool Duplicate)
{
    public static ReservationOutcome Reserved(IReadOnlyList<PricedLine> lines, bool duplicate) => new(lines, null, duplicate);

    public static ReservationOutcome Failed(string reason, bool duplicate) => new(null, reason, duplicate);
}

/// <summary>What a release did.</summary>
public enum Settlement
{
    Applied,
    Duplicate,
    Refused,
    NothingHeld,
    Tombstoned,
}
