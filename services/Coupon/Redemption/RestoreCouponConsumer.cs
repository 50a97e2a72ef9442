using Commerce.Contracts;
using Commerce.ServiceDefaults.Messaging;
using MassTransit;

namespace Commerce.Coupon.Redemption;

/// <summary>Gives a rejected order's coupon back to its owner (compensation), then confirms it to the saga (a redelivery confirms again).</summary>
public sealed class RestoreCouponConsumer(CouponRedemptions redemptions) : IConsumer<RestoreCoupon>
{
    public async Task Consume(ConsumeContext<RestoreCoupon> context)
    {
        await redemptions.RestoreAsync(context.Message.OrderId, context.CancellationToken);
        await context.PublishConfirmedAsync(new CouponRestored(context.Message.OrderId), context.CancellationToken);
    }
}
