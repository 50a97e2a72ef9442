using Commerce.Contracts;
using Commerce.ServiceDefaults.Messaging;
using MassTransit;

namespace Commerce.Coupon.Redemption;

/// <summary>Uses the user's coupon on the order and answers the saga; a redelivery answers the same again.</summary>
public sealed class RedeemCouponConsumer(CouponRedemptions redemptions) : IConsumer<RedeemCoupon>
{
    public async Task Consume(ConsumeContext<RedeemCoupon> context)
    {
        var message = context.Message;
        var answer = await redemptions.RedeemAsync(message, context.CancellationToken);
        if (answer.FailureReason is { } reason)
        {
            await context.PublishConfirmedAsync(new CouponRedemptionFailed(message.OrderId, reason), context.CancellationToken);
        }
        else
        {
            await context.PublishConfirmedAsync(new CouponRedeemed(message.OrderId, message.CouponId, answer.Discount), context.CancellationToken);
        }
    }
}
