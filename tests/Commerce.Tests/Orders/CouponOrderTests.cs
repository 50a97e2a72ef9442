using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Commerce.Tests.Coupons;

namespace Commerce.Tests.Orders;

/// <summary>
/// Orders placed with a coupon through the storefront: the saga's coupon step, end to end (docs/architecture.md,
/// docs/api.md).
/// </summary>
public sealed class CouponOrderTests(SharedSystem shared) : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly Storefront store = new(shared.System);
    private readonly CouponDriver coupons = new(shared.System);

    [Fact]
    public async Task A_coupon_takes_its_discount_off_the_charge_and_is_used_by_the_completed_order()
    {
        var (user, product) = (Storefront.UniqueId("u"), Storefront.UniqueId("bibimbap"));
        await store.PutProductAsync(product, price: 10_000, stock: 10);
        await store.DepositAsync(user, 50_000);
        var couponId = await IssuedCouponAsync(user, discount: 3_000);

        var order = await PlaceAndSettleAsync(user, couponId, (product, 2));

        Assert.Equal(("Completed", 20_000L, 3_000L, 17_000L, couponId), (order.Status, order.Subtotal, order.Discount, order.Total, order.CouponId!.Value));
        await Eventually.Until(() => store.GetWalletAsync(user), w => w == new WalletView(33_000, 0, 33_000), Wait, "17,000 captured, nothing held");
        var mine = await Eventually.Until(() => coupons.MineAsync(user), list => list.Any(c => c.CouponId == couponId && c.Status == "Used"), Wait, "coupon Used");
        Assert.Equal(order.OrderId, mine.Single(c => c.CouponId == couponId).OrderId);
    }

    [Fact]
    public async Task An_order_rejected_after_the_coupon_step_gives_the_coupon_back_for_the_next_order()
    {
        var (user, product) = (Storefront.UniqueId("u"), Storefront.UniqueId("bulgogi"));
        await store.PutProductAsync(product, price: 10_000, stock: 10);
        await store.DepositAsync(user, 5_000);
        var couponId = await IssuedCouponAsync(user, discount: 3_000);

        // 10,000 − 3,000 = 7,000 to pay with 5,000: the coupon step passes, the funds step fails, the coupon comes back.
        var rejected = await PlaceAndSettleAsync(user, couponId, (product, 1));

        Assert.Equal(("Rejected", "insufficient_funds"), (rejected.Status, rejected.Reason));
        // Rejected means given back: the coupon and the stock are free when the order reads Rejected, not later.
        Assert.Contains(await coupons.MineAsync(user), c => c.CouponId == couponId && c.Status == "Issued" && c.OrderId is null);
        var stock = await store.GetProductAsync(product);
        Assert.Equal((10, 0, 0), (stock.Available, stock.Reserved, stock.Sold));
        Assert.Equal(new WalletView(5_000, 0, 5_000), await store.GetWalletAsync(user));

        await store.DepositAsync(user, 5_000);
        var completed = await PlaceAndSettleAsync(user, couponId, (product, 1));

        Assert.Equal(("Completed", 7_000L), (completed.Status, completed.Total));
        Assert.Equal(new WalletView(3_000, 0, 3_000), await store.GetWalletAsync(user));
        await Eventually.Until(() => coupons.MineAsync(user), list => list.Any(c => c.CouponId == couponId && c.Status == "Used" && c.OrderId == completed.OrderId),
            Wait, "the coupon Used by the second order");
    }

    [Fact]
    public async Task Another_users_coupon_is_refused_and_leaks_nothing()
    {
        var (owner, other, product) = (Storefront.UniqueId("u"), Storefront.UniqueId("u"), Storefront.UniqueId("naengmyeon"));
        await store.PutProductAsync(product, price: 9_000, stock: 5);
        await store.DepositAsync(other, 20_000);
        var couponId = await IssuedCouponAsync(owner, discount: 2_000);

        var order = await PlaceAndSettleAsync(other, couponId, (product, 1));

        Assert.Equal(("Rejected", "coupon_not_owned"), (order.Status, order.Reason));
        await Eventually.Until(() => store.GetProductAsync(product), p => p.Available == 5 && p.Reserved == 0, Wait, "stock released");
        Assert.Equal(new WalletView(20_000, 0, 20_000), await store.GetWalletAsync(other));
        Assert.Contains(await coupons.MineAsync(owner), c => c.CouponId == couponId && c.Status == "Issued");
    }

    [Fact]
    public async Task A_coupon_already_used_by_a_completed_order_is_refused_on_the_next()
    {
        var (user, product) = (Storefront.UniqueId("u"), Storefront.UniqueId("tteokbokki"));
        await store.PutProductAsync(product, price: 4_000, stock: 10);
        await store.DepositAsync(user, 20_000);
        var couponId = await IssuedCouponAsync(user, discount: 1_000);
        Assert.Equal("Completed", (await PlaceAndSettleAsync(user, couponId, (product, 1))).Status);

        var again = await PlaceAndSettleAsync(user, couponId, (product, 1));

        Assert.Equal(("Rejected", "coupon_already_used"), (again.Status, again.Reason));
        await Eventually.Until(() => store.GetWalletAsync(user), w => w == new WalletView(17_000, 0, 17_000), Wait, "only the first order charged");
        var stock = await Eventually.Until(() => store.GetProductAsync(product), p => p.Reserved == 0 && p.Sold == 1, Wait, "one sold, nothing held");
        Assert.Equal(9, stock.Available);
    }

    [Fact]
    public async Task A_discount_above_the_subtotal_makes_the_order_free_and_charges_nothing()
    {
        var (user, product) = (Storefront.UniqueId("u"), Storefront.UniqueId("kimbap"));
        await store.PutProductAsync(product, price: 2_000, stock: 3);
        await store.DepositAsync(user, 1_000);
        var couponId = await IssuedCouponAsync(user, discount: 5_000);

        var order = await PlaceAndSettleAsync(user, couponId, (product, 1));

        Assert.Equal(("Completed", 2_000L, 2_000L, 0L), (order.Status, order.Subtotal, order.Discount, order.Total));
        await Eventually.Until(() => store.GetProductAsync(product), p => p.Sold == 1 && p.Reserved == 0, Wait, "stock sold");
        Assert.Equal(new WalletView(1_000, 0, 1_000), await store.GetWalletAsync(user));
    }

    public async ValueTask DisposeAsync() => await coupons.DisposeAsync();

    private async Task<Guid> IssuedCouponAsync(string userId, long discount)
    {
        var campaign = await coupons.CreateCampaignAsync(total: 10, discount: discount);
        using var issued = await coupons.IssueAsync(userId, campaign.CouponId);
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        return campaign.CouponId;
    }

    private async Task<OrderView> PlaceAndSettleAsync(string userId, Guid couponId, params (string ProductId, int Quantity)[] items)
    {
        using var client = store.ClientFor(userId);
        using var response = await Storefront.PlaceOrderAsync(client, items, Guid.NewGuid().ToString("N"), couponId);
        await Storefront.EnsureSuccessAsync(response, HttpStatusCode.Accepted);
        var orderId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orderId").GetGuid();
        return await store.WaitForFinalAsync(userId, orderId, Wait);
    }
}
