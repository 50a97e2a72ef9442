using Commerce.Coupon.Campaigns;
using Commerce.Coupon.Redemption;

namespace Commerce.UnitTests.Coupons;

public sealed class RedemptionRulesTests
{
    private static readonly DateTimeOffset Noon = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly CampaignWindow Today = new(Noon.AddHours(-12), Noon.AddHours(12));

    [Fact]
    public void An_issued_coupon_in_its_window_can_be_used()
    {
        Assert.Null(RedemptionRules.Refusal(new HeldCoupon(1_000, Today, Used: false), Noon));
    }

    [Fact]
    public void A_coupon_the_user_does_not_hold_is_not_owned()
    {
        Assert.Equal("coupon_not_owned", RedemptionRules.Refusal(null, Noon));
    }

    [Fact]
    public void A_used_coupon_is_already_used_even_outside_its_window()
    {
        Assert.Equal("coupon_already_used", RedemptionRules.Refusal(new HeldCoupon(1_000, Today, Used: true), Noon));
        Assert.Equal("coupon_already_used", RedemptionRules.Refusal(new HeldCoupon(1_000, Today, Used: true), Noon.AddDays(2)));
    }

    [Theory]
    [InlineData(-13)]
    [InlineData(12)]
    public void Outside_the_campaign_window_the_coupon_is_not_active(int hours)
    {
        Assert.Equal("coupon_not_active", RedemptionRules.Refusal(new HeldCoupon(1_000, Today, Used: false), Noon.AddHours(hours)));
    }

    [Theory]
    [InlineData(3_000, 10_000, 3_000)]
    [InlineData(3_000, 3_000, 3_000)]
    [InlineData(5_000, 1_200, 1_200)]
    [InlineData(5_000, 0, 0)]
    [InlineData(5_000, -10, 0)]
    public void The_discount_is_the_coupon_amount_but_never_more_than_the_subtotal(long amount, long subtotal, long discount)
    {
        Assert.Equal(discount, RedemptionRules.Discount(amount, subtotal));
    }
}
