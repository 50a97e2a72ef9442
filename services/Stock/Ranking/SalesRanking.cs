using Commerce.Contracts;
using Commerce.Stock.Products;
using Npgsql;
using StackExchange.Redis;

namespace Commerce.Stock.Ranking;

/// <summary>
/// Best-selling products: a Redis sorted set (<c>ranking:sold</c>) fed by <see cref="OrderCompleted"/>. The database is
/// the truth: <c>ranking_counted</c> makes each order count once and <c>ranking_totals</c> holds each product's total.
/// Redis only ever receives those totals, never increments, so a write can be repeated or arrive late and the set is
/// still right, and a set Redis lost is rebuilt from the table.
/// </summary>
public sealed class SalesRanking(NpgsqlDataSource db, IConnectionMultiplexer redis, ProductCatalog catalog, ILogger<SalesRanking> logger)
{
    public const string Key = "ranking:sold";

    /// <summary>
    /// Kept in the set at score 0 so an empty ranking still exists once built: a missing key then always means Redis lost
    /// it. '~' is not allowed in product ids, and reads start at score 1, so it is never shown.
    /// </summary>
    private const string BuiltMarker = "~built";

    // Totals only grow, so GT keeps whichever write is newest whatever order writes land in. Only into a set that
    // exists: a lost set must be rebuilt whole, or it would restart from these few products and look complete.
    private const string RaiseIfPresent =
        """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        for i = 1, #ARGV, 2 do redis.call('ZADD', KEYS[1], 'GT', ARGV[i + 1], ARGV[i]) end
        return 1
        """;

    /// <summary>Adds a completed order's quantities once; false when the order was already counted.</summary>
    public async Task<bool> CountAsync(Guid orderId, IReadOnlyList<PricedLine> lines, CancellationToken cancellationToken)
    {
        var sold = lines
            .Where(line => line.Quantity > 0)
            .GroupBy(line => line.ProductId, StringComparer.Ordinal)
            .Select(group => (ProductId: group.Key, Quantity: group.Sum(line => (long)line.Quantity)))
            // The same fixed order as stock reservations, so two orders never lock each other's totals crosswise.
            .OrderBy(line => line.ProductId, StringComparer.Ordinal)
            .ToList();
        if (sold.Count == 0)
        {
            return false;
        }

        // One statement, so the hot totals rows are locked only while the database runs it and commits. A copy arriving
        // while the first is in flight waits on the claim's row, then counts as a redelivery: it adds nothing, but still
        // sends the totals it reads, since the first delivery may have stopped between its commit and Redis.
        await using var count = db.CreateCommand(
            """
            WITH claim AS (
                INSERT INTO ranking_counted (order_id) VALUES ($1)
                ON CONFLICT (order_id) DO UPDATE SET deliveries = ranking_counted.deliveries + 1
                RETURNING deliveries
            ), added AS (
                INSERT INTO ranking_totals (product_id, sold)
                SELECT line.product_id, line.quantity FROM unnest($2::text[], $3::bigint[]) WITH ORDINALITY AS line(product_id, quantity, n)
                WHERE (SELECT deliveries FROM claim) = 1
                ORDER BY line.n
                ON CONFLICT (product_id) DO UPDATE SET sold = ranking_totals.sold + EXCLUDED.sold
                RETURNING product_id, sold
            ), totals AS (
                SELECT product_id, sold FROM added
                UNION ALL
                SELECT product_id, sold FROM ranking_totals WHERE product_id = ANY($2) AND (SELECT deliveries FROM claim) > 1
            )
            SELECT claim.deliveries = 1, totals.product_id, totals.sold FROM claim LEFT JOIN totals ON true
            """);
        count.Parameters.Add(new() { Value = orderId });
        count.Parameters.Add(new() { Value = sold.Select(line => line.ProductId).ToArray() });
        count.Parameters.Add(new() { Value = sold.Select(line => line.Quantity).ToArray() });
        var first = false;
        var totals = new List<SortedSetEntry>(sold.Count);
        await using (var reader = await count.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                first = reader.GetBoolean(0);
                if (!reader.IsDBNull(1)) totals.Add(new SortedSetEntry(reader.GetString(1), reader.GetInt64(2)));
            }
        }

        if (!first)
        {
            logger.LogInformation("Order {OrderId} is already in the ranking", orderId);
        }

        var arguments = totals.SelectMany(total => new RedisValue[] { total.Element, total.Score }).ToArray();
        if ((int)await redis.GetDatabase().ScriptEvaluateAsync(RaiseIfPresent, [Key], arguments) == 0)
        {
            // The rebuild reads after our commit, so it already holds this order.
            await RebuildAsync(cancellationToken);
        }

        return first;
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
            // The database has the same numbers, only slower to sort: answer from it while Redis is away.
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

    private async Task RebuildAsync(CancellationToken cancellationToken)
    {
        await using var read = db.CreateCommand("SELECT product_id, sold FROM ranking_totals WHERE sold > 0");
        var entries = await ReadTotalsAsync(read, cancellationToken);
        entries.Add(new SortedSetEntry(BuiltMarker, 0));
        // GT again: a rebuild that read before some order committed must not lower what that order already wrote.
        await redis.GetDatabase().SortedSetAddAsync(Key, [.. entries], SortedSetWhen.GreaterThan);
        logger.LogWarning("Ranking {Key} was missing; rebuilt from the database ({Products} products)", Key, entries.Count - 1);
    }

    private async Task<IReadOnlyList<RankedProduct>> TopFromDatabaseAsync(int top, CancellationToken cancellationToken)
    {
        await using var read = db.CreateCommand(
            """
            SELECT t.product_id, coalesce(p.name, ''), t.sold
            FROM ranking_totals t LEFT JOIN products p ON p.product_id = t.product_id
            WHERE t.sold > 0
            ORDER BY t.sold DESC, t.product_id COLLATE "C" DESC
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

    private static async Task<List<SortedSetEntry>> ReadTotalsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var totals = new List<SortedSetEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            totals.Add(new SortedSetEntry(reader.GetString(0), reader.GetInt64(1)));
        }

        return totals;
    }
}

/// <summary>One line of the ranking.</summary>
public sealed record RankedProduct(string ProductId, string Name, long Sold);
