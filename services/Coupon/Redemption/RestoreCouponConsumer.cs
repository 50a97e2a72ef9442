using Commerce.Contracts;
using MassTransit;

namespace Commerce.Coupon.Redemption;

/// <summary>Gives a rejected order's coupon back to its owner (compensation); the saga expects no answer.</summary>
public sealed class RestoreCouponConsumer(CouponRedemptions redemptions) : IConsumer<RestoreCoupon>
{
    public Task Consume(ConsumeContext<RestoreCoupon> context) =>
        redemptions.RestoreAsync(context.Message.OrderId, context.CancellationToken);
}
