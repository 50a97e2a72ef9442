using Commerce.Contracts;
using Commerce.Coupon.Campaigns;

namespace Commerce.Coupon.Redemption;

/// <summary>A user's coupon of one campaign as redemption sees it; null when the user holds none.</summary>
public sealed record HeldCoupon(long DiscountAmount, CampaignWindow Window, bool Used);

/// <summary>Whether an order may use a coupon, and what it takes off: the pure rules, tested without a database.</summary>
public static class RedemptionRules
{
    /// <summary>The refusal reason, or null when the coupon can be used now.</summary>
    public static string? Refusal(HeldCoupon? coupon, DateTimeOffset now) => coupon switch
    {
        null => RejectionReasons.CouponNotOwned,
        { Used: true } => RejectionReasons.CouponAlreadyUsed,
        _ when !coupon.Window.IsOpenAt(now) => RejectionReasons.CouponNotActive,
        _ => null,
    };

    /// <summary>The coupon never takes off more than the order costs, and never makes it cost more.</summary>
    public static long Discount(long discountAmount, long subtotal) => Math.Min(discountAmount, Math.Max(0, subtotal));
}
