using Commerce.Contracts;

namespace Commerce.Tests.Coupons;

/// <summary>
/// RedeemCoupon and RestoreCoupon at message level, as the Order saga sends them: coupons issued through HTTP, commands
/// published on the system's bus, replies and <c>GET /api/coupons/mine</c> checked.
/// </summary>
public sealed class RedemptionTests(SharedSystem shared) : IAsyncLifetime
{
    private readonly CouponDriver coupons = new(shared.System);
    private MessageBusProbe bus = null!;

    public async ValueTask InitializeAsync() => bus = await shared.System.StartBusProbeAsync();

    [Fact]
    public async Task Redeeming_applies_the_discount_and_marks_the_coupon_used_by_the_order()
    {
        var (couponId, userId) = await HeldCouponAsync(discount: 3_000);
        var orderId = Guid.NewGuid();

        await bus.PublishAsync(new RedeemCoupon(orderId, userId, couponId, Subtotal: 10_000));

        Assert.Equal(new CouponRedeemed(orderId, couponId, 3_000), await bus.WaitForAsync<CouponRedeemed>(m => m.OrderId == orderId));
        Assert.Equal(new MyCouponJson(couponId, "Redeem test", 3_000, "Used", orderId), Assert.Single(await coupons.MineAsync(userId)));
    }

    [Fact]
    public async Task The_discount_never_exceeds_the_subtotal()
    {
        var (couponId, userId) = await HeldCouponAsync(discount: 5_000);
        var orderId = Guid.NewGuid();

        await bus.PublishAsync(new RedeemCoupon(orderId, userId, couponId, Subtotal: 1_200));

        Assert.Equal(1_200, (await bus.WaitForAsync<CouponRedeemed>(m => m.OrderId == orderId)).Discount);
    }

    [Fact]
    public async Task A_redelivered_redeem_answers_the_same_and_changes_nothing()
    {
        var (couponId, userId) = await HeldCouponAsync(discount: 2_000);
        var orderId = Guid.NewGuid();

        await bus.PublishAsync(new RedeemCoupon(orderId, userId, couponId, 9_000));
        await bus.PublishAsync(new RedeemCoupon(orderId, userId, couponId, 9_000));

        await Eventually.Until(() => Task.FromResult(bus.Received<CouponRedeemed>().Count(m => m.OrderId == orderId)),
            count => count == 2, CouponDriver.Deadline, "both deliveries answered");
        Assert.All(bus.Received<CouponRedeemed>().Where(m => m.OrderId == orderId), m => Assert.Equal(2_000, m.Discount));
        Assert.DoesNotContain(bus.Received<CouponRedemptionFailed>(), m => m.OrderId == orderId);
        Assert.Equal(2, await coupons.ScalarAsync<int>("SELECT deliveries FROM coupon_redemptions WHERE order_id = @o", ("o", orderId)));
    }

    [Fact]
    public async Task A_rejected_order_gives_the_coupon_back_once_and_another_order_can_use_it()
    {
        var (couponId, userId) = await HeldCouponAsync(discount: 1_000);
        var rejected = Guid.NewGuid();
        await RedeemAsync(rejected, userId, couponId);

        await bus.PublishAsync(new RestoreCoupon(rejected));
        await StatusBecomesAsync(userId, "Issued");
        await bus.PublishAsync(new RestoreCoupon(rejected));
        await Eventually.Until(() => RestoredAtAsync(rejected), restoredAt => restoredAt is not null, CouponDriver.Deadline, "restored");

        var next = Guid.NewGuid();
        await bus.PublishAsync(new RedeemCoupon(next, userId, couponId, 5_000));
        Assert.Equal(1_000, (await bus.WaitForAsync<CouponRedeemed>(m => m.OrderId == next)).Discount);
        Assert.Equal(new MyCouponJson(couponId, "Redeem test", 1_000, "Used", next), Assert.Single(await coupons.MineAsync(userId)));

        // A late copy of the rejected order's RedeemCoupon answers as before and takes nothing from the next order.
        await bus.PublishAsync(new RedeemCoupon(rejected, userId, couponId, 10_000));
        await Eventually.Until(() => Task.FromResult(bus.Received<CouponRedeemed>().Count(m => m.OrderId == rejected)),
            count => count == 2, CouponDriver.Deadline, "the late copy answered");
        Assert.Equal(next, Assert.Single(await coupons.MineAsync(userId)).OrderId);
    }

    [Fact]
    public async Task A_used_coupon_cannot_be_used_again()
    {
        var (couponId, userId) = await HeldCouponAsync();
        var first = Guid.NewGuid();
        await RedeemAsync(first, userId, couponId);
        var second = Guid.NewGuid();

        await bus.PublishAsync(new RedeemCoupon(second, userId, couponId, 10_000));

        Assert.Equal("coupon_already_used", (await bus.WaitForAsync<CouponRedemptionFailed>(m => m.OrderId == second)).Reason);
        Assert.Equal(first, Assert.Single(await coupons.MineAsync(userId)).OrderId);
    }

    [Fact]
    public async Task Another_users_coupon_is_refused()
    {
        var (couponId, owner) = await HeldCouponAsync();
        var orderId = Guid.NewGuid();

        await bus.PublishAsync(new RedeemCoupon(orderId, CouponDriver.NewUserId(), couponId, 10_000));

        Assert.Equal("coupon_not_owned", (await bus.WaitForAsync<CouponRedemptionFailed>(m => m.OrderId == orderId)).Reason);
        Assert.Equal("Issued", Assert.Single(await coupons.MineAsync(owner)).Status);
    }

    [Fact]
    public async Task A_restore_that_overtakes_its_redeem_makes_the_late_redeem_fail()
    {
        var (couponId, userId) = await HeldCouponAsync();
        var orderId = Guid.NewGuid();

        await bus.PublishAsync(new RestoreCoupon(orderId));
        await Eventually.Until(() => RestoredAtAsync(orderId), restoredAt => restoredAt is not null, CouponDriver.Deadline, "the tombstone");
        await bus.PublishAsync(new RedeemCoupon(orderId, userId, couponId, 10_000));

        Assert.Equal("coupon_not_active", (await bus.WaitForAsync<CouponRedemptionFailed>(m => m.OrderId == orderId)).Reason);
        Assert.Equal("Issued", Assert.Single(await coupons.MineAsync(userId)).Status);
    }

    [Fact]
    public async Task A_coupon_whose_campaign_has_ended_is_not_active()
    {
        // Room to create the campaign and issue its coupon before it ends: 6 s was not enough while the run started its systems.
        var endsAt = DateTimeOffset.UtcNow.AddSeconds(20);
        var campaign = await coupons.CreateCampaignAsync(total: 1, startsAt: endsAt.AddHours(-1), endsAt: endsAt, name: "Short");
        var userId = CouponDriver.NewUserId();
        (await coupons.IssueAsync(userId, campaign.CouponId)).EnsureSuccessStatusCode();
        await Eventually.Until(() => Task.FromResult(DateTimeOffset.UtcNow > endsAt.AddSeconds(1)), TimeSpan.FromSeconds(30), "the campaign to end");
        var orderId = Guid.NewGuid();

        await bus.PublishAsync(new RedeemCoupon(orderId, userId, campaign.CouponId, 10_000));

        Assert.Equal("coupon_not_active", (await bus.WaitForAsync<CouponRedemptionFailed>(m => m.OrderId == orderId)).Reason);
    }

    private async Task<(Guid CouponId, string UserId)> HeldCouponAsync(long discount = 1_000)
    {
        var campaign = await coupons.CreateCampaignAsync(total: 10, discount: discount, name: "Redeem test");
        var userId = CouponDriver.NewUserId();
        (await coupons.IssueAsync(userId, campaign.CouponId)).EnsureSuccessStatusCode();
        return (campaign.CouponId, userId);
    }

    private async Task RedeemAsync(Guid orderId, string userId, Guid couponId)
    {
        await bus.PublishAsync(new RedeemCoupon(orderId, userId, couponId, 10_000));
        await bus.WaitForAsync<CouponRedeemed>(m => m.OrderId == orderId);
    }

    private Task StatusBecomesAsync(string userId, string status) =>
        Eventually.Until(() => coupons.MineAsync(userId), mine => mine.Count == 1 && mine[0].Status == status && mine[0].OrderId is null,
            CouponDriver.Deadline, $"the coupon {status} again");

    private Task<DateTime?> RestoredAtAsync(Guid orderId) =>
        coupons.ScalarAsync<DateTime?>("SELECT restored_at FROM coupon_redemptions WHERE order_id = @o", ("o", orderId));

    public async ValueTask DisposeAsync()
    {
        await bus.DisposeAsync();
        await coupons.DisposeAsync();
    }
}
