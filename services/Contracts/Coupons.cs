namespace Commerce.Contracts;

/// <summary>Use the user's coupon on an order whose subtotal is known.</summary>
public sealed record RedeemCoupon(Guid OrderId, string UserId, Guid CouponId, long Subtotal);

/// <summary>The coupon is Used by the order; <paramref name="Discount"/> = min(discountAmount, subtotal).</summary>
public sealed record CouponRedeemed(Guid OrderId, Guid CouponId, long Discount);

/// <summary>Not redeemed: <c>coupon_not_owned</c>, <c>coupon_already_used</c> or <c>coupon_not_active</c>.</summary>
public sealed record CouponRedemptionFailed(Guid OrderId, string Reason);

/// <summary>Give the coupon used by the order back to its owner (compensation).</summary>
public sealed record RestoreCoupon(Guid OrderId);

/// <summary>The order no longer uses a coupon: given back, or never redeemed (also the answer to a repeat).</summary>
public sealed record CouponRestored(Guid OrderId);
