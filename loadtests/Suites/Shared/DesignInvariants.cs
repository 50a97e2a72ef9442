using System.Diagnostics;
using Commerce.LoadTests.Harness;
using Npgsql;

namespace Commerce.LoadTests.Suites.Shared;

/// <summary>What a run left behind, and which invariants (docs/architecture.md) it broke (none, or the run fails).</summary>
public sealed record InvariantReport(IReadOnlyList<string> Violations, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    public bool Held => Violations.Count == 0;

    public ReportSection ToSection() => new(
        "Invariants (docs/architecture.md)",
        Held ? "All held once the system settled." : "BROKEN:\n- " + string.Join("\n- ", Violations),
        ["check", "found"],
        Rows);
}

/// <summary>
/// The invariants of docs/architecture.md over one run's orders, products, wallets and coupons, read straight from each
/// service's database once every order is final: faster and more exact than through the API for thousands of users.
/// </summary>
public static class DesignInvariants
{
    /// <summary>
    /// Orders of users whose id starts with <paramref name="runPrefix"/>: all final within <paramref name="settleBudget"/>;
    /// one order per accepted POST; per product available + reserved + sold = put in, sold = Completed quantities, nothing
    /// reserved; per user nothing held and balance = what <paramref name="depositOf"/> says they put in − Completed totals.
    /// </summary>
    public static async Task<InvariantReport> CheckOrdersAsync(
        SystemUnderTest system,
        string runPrefix,
        IReadOnlyDictionary<string, int> stockPutIn,
        Func<string, long> depositOf,
        long acceptedOrders,
        TimeSpan settleBudget)
    {
        var violations = new List<string>();
        var rows = new List<IReadOnlyList<string>>();
        var users = runPrefix + "-u%";
        await using var orders = NpgsqlDataSource.Create(system.ConnectionString("orderdb"));
        await using var stock = NpgsqlDataSource.Create(system.ConnectionString("stockdb"));
        await using var wallets = NpgsqlDataSource.Create(system.ConnectionString("walletdb"));

        var settle = Stopwatch.StartNew();
        var pending = await WaitAsync(
            () => ScalarAsync(orders, "SELECT count(*) FROM orders WHERE user_id LIKE $1 AND status = 'Pending'", users),
            count => count == 0,
            settleBudget);
        rows.Add(["orders still Pending after settling", $"{pending} (waited {settle.Elapsed.TotalSeconds:0.0} s)"]);
        if (pending != 0)
        {
            violations.Add($"{pending} orders still Pending {settleBudget.TotalSeconds:0} s after the load ended");
        }

        var byStatus = await RowsAsync(
            orders,
            "SELECT status || coalesce(' ' || reason, ''), count(*) FROM orders WHERE user_id LIKE $1 GROUP BY 1 ORDER BY 1",
            users);
        var total = byStatus.Sum(r => Convert.ToInt64(r[1]));
        rows.AddRange(byStatus.Select(r => (IReadOnlyList<string>)[$"orders {r[0]}", $"{r[1]}"]));
        rows.Add(["orders in the database / accepted (202)", $"{total} / {acceptedOrders}"]);
        if (total != acceptedOrders)
        {
            violations.Add($"{total} orders in the database for {acceptedOrders} accepted POSTs (one Idempotency-Key, one order)");
        }

        var soldByOrders = (await RowsAsync(
                orders,
                "SELECT i.product_id, sum(i.quantity)::bigint FROM order_items i JOIN orders o ON o.order_id = i.order_id " +
                "WHERE o.user_id LIKE $1 AND o.status = 'Completed' GROUP BY 1",
                users))
            .ToDictionary(r => (string)r[0], r => Convert.ToInt64(r[1]));

        // Commit and capture follow Completed by a message each: give them the same budget to land.
        var products = await WaitAsync(
            async () => await RowsAsync(stock, "SELECT product_id, available, reserved, sold FROM products WHERE product_id LIKE $1", runPrefix + "-%"),
            list => list.All(p => Convert.ToInt64(p[2]) == 0 && Convert.ToInt64(p[3]) == soldByOrders.GetValueOrDefault((string)p[0])),
            settleBudget);
        foreach (var (productId, putIn) in stockPutIn)
        {
            var product = products.FirstOrDefault(p => (string)p[0] == productId);
            if (product is null)
            {
                violations.Add($"{productId} is missing");
                continue;
            }

            long available = Convert.ToInt64(product[1]), reserved = Convert.ToInt64(product[2]), sold = Convert.ToInt64(product[3]);
            var expectedSold = soldByOrders.GetValueOrDefault(productId);
            rows.Add([$"{productId}: available + reserved + sold = put in", $"{available} + {reserved} + {sold} = {available + reserved + sold} (put in {putIn}, Completed orders bought {expectedSold})"]);
            if (available < 0 || available + reserved + sold != putIn || reserved != 0 || sold != expectedSold)
            {
                violations.Add($"{productId}: available {available}, reserved {reserved}, sold {sold}; put in {putIn}, Completed orders bought {expectedSold}");
            }
        }

        var spentByUser = (await RowsAsync(
                orders, "SELECT user_id, sum(total)::bigint FROM orders WHERE user_id LIKE $1 AND status = 'Completed' GROUP BY 1", users))
            .ToDictionary(r => (string)r[0], r => Convert.ToInt64(r[1]));
        var walletRows = await WaitAsync(
            async () => await RowsAsync(wallets, "SELECT user_id, balance, reserved FROM wallets WHERE user_id LIKE $1", users),
            list => list.All(w => Convert.ToInt64(w[2]) == 0 && Convert.ToInt64(w[1]) == depositOf((string)w[0]) - spentByUser.GetValueOrDefault((string)w[0])),
            settleBudget);
        var wrong = walletRows
            .Where(w => Convert.ToInt64(w[2]) != 0 || Convert.ToInt64(w[1]) != depositOf((string)w[0]) - spentByUser.GetValueOrDefault((string)w[0]) || Convert.ToInt64(w[1]) < 0)
            .ToList();
        rows.Add(["wallets: nothing held, balance = deposit − Completed totals", $"{walletRows.Count - wrong.Count} of {walletRows.Count} right; {spentByUser.Values.Sum():N0} KRW taken"]);
        violations.AddRange(wrong.Take(5).Select(w =>
            $"wallet {w[0]}: balance {w[1]}, reserved {w[2]}; expected balance {depositOf((string)w[0]) - spentByUser.GetValueOrDefault((string)w[0])}, nothing reserved"));
        if (wrong.Count > 5)
        {
            violations.Add($"… and {wrong.Count - 5} more wallets");
        }

        return new InvariantReport(violations, rows);
    }

    /// <summary>
    /// A campaign after a rush, once the service has answered everything it took in (a client that timed out may still
    /// be issued one): every user answered 201 holds the coupon in PostgreSQL, never more issued than the quantity, one
    /// per user, and what GET /api/coupons/{id} shows agrees.
    /// </summary>
    public static async Task<InvariantReport> CheckCouponAsync(
        SystemUnderTest system, Shop shop, Guid couponId, int totalQuantity, IReadOnlyCollection<string> promisedUsers, CancellationToken cancellationToken)
    {
        var violations = new List<string>();
        await using var coupons = NpgsqlDataSource.Create(system.ConnectionString("coupondb"));
        var settle = Stopwatch.StartNew();
        long previous = -1, issued = await ScalarAsync(coupons, "SELECT count(*) FROM coupon_issues WHERE coupon_id = $1", couponId);
        while (issued != previous && settle.Elapsed < TimeSpan.FromSeconds(120))
        {
            // Requests queued in the service outlive the client's timeout: wait until two seconds pass without an issue.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            (previous, issued) = (issued, await ScalarAsync(coupons, "SELECT count(*) FROM coupon_issues WHERE coupon_id = $1", couponId));
        }

        var users = await ScalarAsync(coupons, "SELECT count(DISTINCT user_id) FROM coupon_issues WHERE coupon_id = $1", couponId);
        var kept = await ScalarAsync(
            coupons, "SELECT count(*) FROM coupon_issues WHERE coupon_id = $1 AND user_id = ANY($2)", couponId, promisedUsers.ToArray());
        var (shownIssued, shownRemaining) = await shop.GetCouponAsync(couponId, cancellationToken);
        if (kept != promisedUsers.Count)
        {
            violations.Add($"{promisedUsers.Count} users got 201 but only {kept} of them hold the coupon in PostgreSQL");
        }

        if (issued > totalQuantity)
        {
            violations.Add($"{issued} issued for a quantity of {totalQuantity}");
        }

        if (users != issued)
        {
            violations.Add($"{issued} issues for {users} users: someone has two");
        }

        if (shownIssued != issued || shownRemaining != totalQuantity - issued)
        {
            violations.Add($"GET /api/coupons/{couponId} shows issued {shownIssued}, remaining {shownRemaining}; PostgreSQL holds {issued} of {totalQuantity}");
        }

        return new InvariantReport(violations,
        [
            ["201 answers (promises) / kept in PostgreSQL", $"{promisedUsers.Count:N0} / {kept:N0}"],
            ["issued in PostgreSQL / quantity (answered or not)", $"{issued:N0} / {totalQuantity:N0} (settled after {settle.Elapsed.TotalSeconds:0} s)"],
            ["users holding one", $"{users:N0}"],
            ["GET /api/coupons/{id}: issued, remaining", $"{shownIssued:N0}, {shownRemaining:N0}"],
        ]);
    }

    private static async Task<T> WaitAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan budget)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value) || deadline.Elapsed > budget)
            {
                return value;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource source, string sql, params object[] parameters) =>
        (long)(await RowsAsync(source, sql, parameters))[0][0];

    private static async Task<List<object[]>> RowsAsync(NpgsqlDataSource source, string sql, params object[] parameters)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }

        return rows;
    }
}
