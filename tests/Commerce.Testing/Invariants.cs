using System.Net.Http.Json;

namespace Commerce.Testing;

/// <summary>
/// The invariants of docs/architecture.md, checked through the public surface once a system has settled: every order is
/// final, no stock or money is held, what was sold is what Completed orders bought, and what was taken is what they cost.
/// </summary>
public static class Invariants
{
    public static async Task AssertHoldAsync(
        Storefront store, IReadOnlyDictionary<string, int> stockPutIn, IReadOnlyDictionary<string, long> depositsByUser, TimeSpan settleBudget)
    {
        var ordersByUser = new Dictionary<string, List<OrderView>>();
        foreach (var user in depositsByUser.Keys)
        {
            using var client = store.ClientFor(user);
            ordersByUser[user] = await Eventually.Until(() => Storefront.OrdersAsync(client), list => list.All(o => o.Status != "Pending"), settleBudget,
                $"every order of {user} Completed or Rejected");
        }

        var completed = ordersByUser.Values.SelectMany(list => list).Where(o => o.Status == "Completed").ToList();
        foreach (var (productId, putIn) in stockPutIn)
        {
            var soldByOrders = completed.SelectMany(o => o.Items).Where(i => i.ProductId == productId).Sum(i => i.Quantity);
            var product = await Eventually.Until(() => store.GetProductAsync(productId), p => p.Reserved == 0 && p.Sold == soldByOrders,
                settleBudget, $"{productId}: nothing reserved and sold = {soldByOrders} (the Completed orders' quantities)");
            Assert(product.Available >= 0, $"{productId}: available {product.Available} is negative");
            Assert(product.Available + product.Reserved + product.Sold == putIn,
                $"{productId}: available {product.Available} + reserved {product.Reserved} + sold {product.Sold} != {putIn} put in");
        }

        foreach (var (user, deposited) in depositsByUser)
        {
            var spent = ordersByUser[user].Where(o => o.Status == "Completed").Sum(o => o.Total);
            var wallet = await Eventually.Until(() => store.GetWalletAsync(user), w => w.Reserved == 0 && w.Balance == deposited - spent,
                settleBudget, $"{user}: nothing held and balance = {deposited} - {spent}");
            Assert(wallet.Balance >= 0, $"{user}: negative balance");
        }
    }

    private static void Assert(bool condition, string message)
    {
        if (!condition) throw new InvariantBrokenException(message);
    }
}

/// <summary>One of the invariants (docs/architecture.md) does not hold.</summary>
public sealed class InvariantBrokenException(string message) : Exception("Invariant broken: " + message);
