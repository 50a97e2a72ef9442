using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Commerce.Tests.Orders;

/// <summary>
/// A system of its own that admits two Pending orders at a time: with Stock frozen (SIGSTOP) nothing finishes, so the
/// third order waits out the budget and is turned away, and gets in once Stock runs again.
/// </summary>
public sealed class OrderAdmissionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_the_pending_orders_at_the_limit_a_new_order_gets_503_orders_busy_and_nothing_is_placed()
    {
        await using var system = await CommerceSystem.StartAsync("order-admission", new Dictionary<string, string>
        {
            ["Orders__MaxPendingOrders"] = "2",
            ["Orders__AdmissionWaitSeconds"] = "1",
        });
        var store = new Storefront(system);
        await store.PutProductAsync("p-admission", price: 1000, stock: 10);
        var users = new[] { "u-admission-0", "u-admission-1", "u-admission-2" };
        foreach (var user in users) await store.DepositAsync(user, 5000);

        var stock = await system.ProcessIdAsync("stock");
        Signal(stock, Sigstop);
        try
        {
            var pending = new[]
            {
                await store.PlaceAcceptedOrderAsync(users[0], ("p-admission", 1)),
                await store.PlaceAcceptedOrderAsync(users[1], ("p-admission", 1)),
            };
            await Eventually.Until(() => PendingGaugeAsync(system), count => count == 2, TimeSpan.FromSeconds(30), "the Order service counted 2 Pending orders");

            using var client = store.ClientFor(users[2]);
            using var refused = await Storefront.PlaceOrderAsync(client, [("p-admission", 1)], "busy-1");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("orders_busy", (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Empty(await client.GetFromJsonAsync<JsonElement[]>("/api/orders", Ct) ?? []);

            Signal(stock, Sigcont);
            foreach (var (user, orderId) in users.Zip(pending))
            {
                Assert.Equal("Completed", (await store.WaitForFinalAsync(user, orderId)).Status);
            }

            // The same request again, once there is room: placed now, once.
            var accepted = await Eventually.Until(async () =>
            {
                using var again = await Storefront.PlaceOrderAsync(client, [("p-admission", 1)], "busy-1");
                return again.StatusCode;
            }, status => status != HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30), "the third order admitted");
            Assert.Equal(HttpStatusCode.Accepted, accepted);
            Assert.Single(await client.GetFromJsonAsync<JsonElement[]>("/api/orders", Ct) ?? []);
        }
        finally
        {
            Signal(stock, Sigcont);
        }
    }

    private static Task<double> PendingGaugeAsync(CommerceSystem system) =>
        ServiceAssertions.CounterAsync(system.ServiceUrl("order"), "commerce_orders_pending", "otel_scope_name=\"Commerce.Order\"");

    // Freezing a process (rather than killing it) keeps its messages unanswered without the AppHost restarting it.
    private const int Sigstop = 19;
    private const int Sigcont = 18;

    private static void Signal(int pid, int signal)
    {
        if (Kill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastWin32Error()}");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
