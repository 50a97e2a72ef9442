using Commerce.Contracts;
using Commerce.Stock.Products;
using Npgsql;
using StackExchange.Redis;

namespace Commerce.Stock.Ranking;

/// <summary>
/// Best-selling products: a Redis sorted set (<c>ranking:sold</c>) fed by <see cref="OrderCompleted"/>, backed by the
/// <c>ranking_counted</c> rows that make each order count once and the <c>ranking_sales</c> rows the set is rebuilt from
/// when Redis lost it.
/// </summary>
public sealed class SalesRanking(NpgsqlDataSource db, IConnectionMultiplexer redis, ProductCatalog catalog, ILogger<SalesRanking> logger)
{
    public const string Key = "ranking:sold";

    /// <summary>
    /// Kept in the set at score 0 so an empty ranking still exists once built: a missing key then always means Redis lost
    /// it. '~' is not allowed in product ids, and reads start at score 1, so it is never shown.
    /// </summary>
    private const string BuiltMarker = "~built";

    // Only adds to a set that exists: a set Redis lost must be rebuilt from the database first, or it would restart
    // from this one order and look complete.
    private const string AddIfPresent =
        """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        for i = 1, #ARGV, 2 do redis.call('ZINCRBY', KEYS[1], ARGV[i + 1], ARGV[i]) end
        return 1
        """;

    /// <summary>Adds a completed order's quantities once; false when the order was already counted.</summary>
    public async Task<bool> CountAsync(Guid orderId, IReadOnlyList<PricedLine> lines, CancellationToken cancellationToken)
    {
        var sold = lines
            .Where(line => line.Quantity > 0)
            .GroupBy(line => line.ProductId, StringComparer.Ordinal)
            .Select(group => (ProductId: group.Key, Quantity: group.Sum(line => (long)line.Quantity)))
            .ToList();
        if (sold.Count == 0)
        {
            return false;
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var claim = new NpgsqlCommand(
            """
            INSERT INTO ranking_counted (order_id) VALUES (@order)
            ON CONFLICT (order_id) DO UPDATE SET deliveries = ranking_counted.deliveries + 1
            RETURNING deliveries
            """, connection))
        {
            claim.Parameters.AddWithValue("order", orderId);
            // A copy arriving while the first is in flight waits on the row, then counts as a redelivery.
            if ((int)(await claim.ExecuteScalarAsync(cancellationToken))! > 1)
            {
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Order {OrderId} is already in the ranking", orderId);
                return false;
            }
        }

        await using (var record = new NpgsqlCommand(
            """
            INSERT INTO ranking_sales (order_id, product_id, quantity)
            SELECT @order, line.product_id, line.quantity FROM unnest(@ids, @quantities) AS line(product_id, quantity)
            """, connection))
        {
            record.Parameters.AddWithValue("order", orderId);
            record.Parameters.AddWithValue("ids", sold.Select(line => line.ProductId).ToArray());
            record.Parameters.AddWithValue("quantities", sold.Select(line => line.Quantity).ToArray());
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        // The rows are written first and committed only after Redis took the increment: if Redis fails, the rollback
        // lets the retried message count the order again; a rebuild (which reads only committed rows) never sees it twice.
        var arguments = sold.SelectMany(line => new RedisValue[] { line.ProductId, line.Quantity }).ToArray();
        if (!await IncrementAsync(arguments))
        {
            await RebuildAsync(cancellationToken);
            if (!await IncrementAsync(arguments))
            {
                throw new InvalidOperationException($"The ranking set {Key} vanished again while counting order {orderId}.");
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The best-selling products, best first, with their names.</summary>
    public async Task<IReadOnlyList<RankedProduct>> TopAsync(int top, CancellationToken cancellationToken)
    {
        SortedSetEntry[] entries;
        try
        {
            await EnsureBuiltAsync(cancellationToken);
            entries = await redis.GetDatabase().SortedSetRangeByScoreWithScoresAsync(
                Key, start: 1, stop: double.PositiveInfinity, order: Order.Descending, take: top);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The database has the same numbers, only slower to sum: answer from it while Redis is away.
            logger.LogWarning(exception, "Redis unavailable; ranking read from the database");
            return await TopFromDatabaseAsync(top, cancellationToken);
        }

        var ids = entries.Select(entry => entry.Element.ToString()).ToList();
        var names = await catalog.NamesAsync(ids, cancellationToken);
        return [.. entries.Select(entry => new RankedProduct(
            entry.Element.ToString(), names.GetValueOrDefault(entry.Element.ToString(), ""), (long)entry.Score))];
    }

    /// <summary>Rebuilds the set from the database when Redis no longer has it (a restart, a flush).</summary>
    public async Task EnsureBuiltAsync(CancellationToken cancellationToken)
    {
        if (!await redis.GetDatabase().KeyExistsAsync(Key))
        {
            await RebuildAsync(cancellationToken);
        }
    }

    private async Task<IReadOnlyList<RankedProduct>> TopFromDatabaseAsync(int top, CancellationToken cancellationToken)
    {
        await using var read = db.CreateCommand(
            """
            SELECT s.product_id, coalesce(p.name, ''), sum(s.quantity)::bigint AS sold
            FROM ranking_sales s LEFT JOIN products p ON p.product_id = s.product_id
            GROUP BY s.product_id, p.name
            ORDER BY sold DESC, s.product_id COLLATE "C" DESC
            LIMIT @top
            """);
        read.Parameters.AddWithValue("top", top);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        var ranking = new List<RankedProduct>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ranking.Add(new RankedProduct(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }

        return ranking;
    }

    private async Task<bool> IncrementAsync(RedisValue[] arguments) =>
        (int)await redis.GetDatabase().ScriptEvaluateAsync(AddIfPresent, [Key], arguments) == 1;

    private async Task RebuildAsync(CancellationToken cancellationToken)
    {
        var entries = new List<SortedSetEntry> { new(BuiltMarker, 0) };
        await using (var totals = db.CreateCommand(
            "SELECT product_id, sum(quantity)::bigint FROM ranking_sales GROUP BY product_id"))
        await using (var reader = await totals.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                entries.Add(new SortedSetEntry(reader.GetString(0), reader.GetInt64(1)));
            }
        }

        // Only if nobody rebuilt it meanwhile: a newer set may already hold increments this snapshot lacks.
        var transaction = redis.GetDatabase().CreateTransaction();
        transaction.AddCondition(Condition.KeyNotExists(Key));
        _ = transaction.SortedSetAddAsync(Key, [.. entries]);
        var rebuilt = await transaction.ExecuteAsync();
        if (rebuilt)
        {
            logger.LogWarning("Ranking {Key} was missing; rebuilt from the database ({Products} products)", Key, entries.Count - 1);
        }
    }
}

/// <summary>One line of the ranking.</summary>
public sealed record RankedProduct(string ProductId, string Name, long Sold);
