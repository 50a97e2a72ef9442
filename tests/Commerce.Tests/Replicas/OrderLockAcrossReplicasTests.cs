using System.Net;
using Commerce.Tests.Systems;

namespace Commerce.Tests.Replicas;

/// <summary>
/// The per-user order lock is what keeps one user's concurrent orders apart when three Order processes race each other:
/// twenty parallel orders, through the Gateway that balances them across the copies, with money for five. Whatever the
/// interleaving, exactly five complete, the rest are rejected for funds, and the balance never goes below zero.
/// </summary>
public static class OrderLockAcrossReplicas
{
    public const int Orders = 20;
    public const long Price = 1_000;
    public const int Affordable = 5;

    public static async Task OneUsersParallelOrdersCompleteExactlyWhatTheMoneyPaysForAsync(CommerceSystem system, string scope)
    {
        var store = new Storefront(system);
        var product = Storefront.UniqueId($"p-replicas-{scope}");
        var user = Storefront.UniqueId($"u-replicas-{scope}");
        await store.PutProductAsync(product, Price, stock: 100);
        await store.DepositAsync(user, Price * Affordable);

        using var watching = new CancellationTokenSource();
        var lowest = long.MaxValue;
        var watcher = Task.Run(async () =>
        {
            // Read the wallet every 50 ms while the orders run (a pace, not a wait for anything).
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            while (!watching.IsCancellationRequested && await pace.WaitForNextTickAsync())
            {
                var wallet = await store.GetWalletAsync(user);
                lowest = Math.Min(lowest, Math.Min(wallet.Balance, wallet.Available));
            }
        });

        using var client = store.ClientFor(user);
        // Each order again with its own key until taken: 409 order_in_progress is the lock saying "one at a time".
        await Task.WhenAll(Enumerable.Range(0, Orders).Select(i =>
            Storefront.PlaceUntilAcceptedAsync(client, [(product, 1)], $"{user}-{i}", TimeSpan.FromMinutes(2))));

        var orders = await Eventually.Until(() => Storefront.OrdersAsync(client),
            all => all.Count == Orders && all.All(order => order.Status is "Completed" or "Rejected"),
            TimeSpan.FromMinutes(1), $"all {Orders} orders final");
        await watching.CancelAsync();
        await watcher;

        Assert.Equal(Affordable, orders.Count(order => order.Status == "Completed"));
        Assert.Equal(Orders - Affordable, orders.Count(order => order.Status == "Rejected"));
        Assert.Equal(new WalletView(0, 0, 0), await store.GetWalletAsync(user));
        Assert.True(lowest >= 0, $"the balance went down to {lowest}");
    }
}

/// <summary>The default scope (one lock per user) on the shared system, which runs three Order replicas.</summary>
public sealed class UserLockAcrossReplicasTests(SharedSystem shared)
{
    [Fact]
    public Task One_users_twenty_parallel_orders_on_three_order_replicas_complete_exactly_five() =>
        OrderLockAcrossReplicas.OneUsersParallelOrdersCompleteExactlyWhatTheMoneyPaysForAsync(shared.System, "user");
}

/// <summary>The incident's scope (one lock for everyone) on the switched system, which runs three Order replicas too.</summary>
[Collection(nameof(SwitchedSystem))]
public sealed class GlobalLockAcrossReplicasTests(SwitchedSystem switched)
{
    [Fact]
    public Task One_users_twenty_parallel_orders_on_three_order_replicas_complete_exactly_five() =>
        OrderLockAcrossReplicas.OneUsersParallelOrdersCompleteExactlyWhatTheMoneyPaysForAsync(switched.System, "global");
}
