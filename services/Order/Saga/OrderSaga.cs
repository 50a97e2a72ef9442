using Commerce.Contracts;
using Commerce.Order.Data;

namespace Commerce.Order.Saga;

/// <summary>A participant did not answer the current step within its budget.</summary>
public sealed record StepTimedOut(Guid OrderId, OrderStep Step);

/// <summary>
/// The order saga's transitions as one pure function: given an order and what just happened, change the order and
/// return the messages to send. No broker, no database: the store runs it inside a transaction and commits the
/// messages to the outbox with the new state, and unit tests drive it directly.
/// </summary>
/// <remarks>
/// Why not a MassTransit state machine with a saga repository: MassTransit's durable repositories are not in our
/// registry, and a hand-made repository plus outbox behind MassTransit's pipeline is more code than this (order row =
/// saga state, one transaction with the outbox) and harder to prove under kill -9. Steps:
/// ReserveStock → RedeemCoupon (if a coupon) → ReserveFunds → CommitStock + CaptureFunds → Completed.
/// On failure or timeout, compensate exactly the steps done (and the one timed out, whose answer may still come),
/// newest first, then Rejected. Answers that arrive after that are compensated again (participants are idempotent).
/// </remarks>
public static class OrderSaga
{
    public static IReadOnlyList<object> Start(OrderRecord order, DateTimeOffset now, TimeSpan stepTimeout)
    {
        order.Status = OrderStatus.Pending;
        EnterStep(order, OrderStep.ReservingStock, now, stepTimeout);
        return [new ReserveStock(order.OrderId, order.Items.OrderBy(i => i.LineNumber).Select(i => new OrderLine(i.ProductId, i.Quantity)).ToList())];
    }

    public static IReadOnlyList<object> Apply(OrderRecord order, object happened, DateTimeOffset now, TimeSpan stepTimeout) =>
        (order.Step, happened) switch
        {
            (OrderStep.ReservingStock, StockReserved reserved) => OnStockReserved(order, reserved, now, stepTimeout),
            (OrderStep.ReservingStock, StockReservationFailed failed) => Reject(order, failed.Reason, now),
            (OrderStep.RedeemingCoupon, CouponRedeemed redeemed) => OnCouponRedeemed(order, redeemed, now, stepTimeout),
            (OrderStep.RedeemingCoupon, CouponRedemptionFailed failed) => Reject(order, failed.Reason, now),
            (OrderStep.ReservingFunds, FundsReserved) => Complete(order, withFunds: true, now),
            (OrderStep.ReservingFunds, FundsReservationFailed failed) => Reject(order, failed.Reason, now),
            (var step, StepTimedOut timedOut) when step == timedOut.Step && !IsFinal(step) && now >= order.StepDeadline =>
                TimeOut(order, now),
            (OrderStep.Rejected, _) => CompensateLateAnswer(order, happened),
            // Duplicates and answers to steps already passed change nothing.
            _ => [],
        };

    public static bool IsFinal(OrderStep step) => step is OrderStep.Completed or OrderStep.Rejected;

    private static IReadOnlyList<object> OnStockReserved(OrderRecord order, StockReserved reserved, DateTimeOffset now, TimeSpan stepTimeout)
    {
        order.StockReserved = true;
        foreach (var item in order.Items)
        {
            item.UnitPrice = reserved.Lines.FirstOrDefault(line => line.ProductId == item.ProductId)?.UnitPrice
                ?? throw new InvalidOperationException($"Stock reserved order {order.OrderId} without a price for {item.ProductId}.");
        }

        order.Subtotal = order.Items.Sum(item => item.Quantity * item.UnitPrice!.Value);
        order.Total = order.Subtotal;
        if (order.CouponId is { } couponId)
        {
            EnterStep(order, OrderStep.RedeemingCoupon, now, stepTimeout);
            return [new RedeemCoupon(order.OrderId, order.UserId, couponId, order.Subtotal)];
        }

        return ReserveFundsOrComplete(order, now, stepTimeout);
    }

    private static IReadOnlyList<object> OnCouponRedeemed(OrderRecord order, CouponRedeemed redeemed, DateTimeOffset now, TimeSpan stepTimeout)
    {
        order.CouponRedeemed = true;
        order.Discount = Math.Clamp(redeemed.Discount, 0, order.Subtotal);
        order.Total = order.Subtotal - order.Discount;
        return ReserveFundsOrComplete(order, now, stepTimeout);
    }

    private static IReadOnlyList<object> ReserveFundsOrComplete(OrderRecord order, DateTimeOffset now, TimeSpan stepTimeout)
    {
        // A coupon that covers everything (or free products) leaves nothing to pay: no money step at all.
        if (order.Total == 0)
        {
            return Complete(order, withFunds: false, now);
        }

        EnterStep(order, OrderStep.ReservingFunds, now, stepTimeout);
        return [new ReserveFunds(order.OrderId, order.UserId, order.Total)];
    }

    private static IReadOnlyList<object> Complete(OrderRecord order, bool withFunds, DateTimeOffset now)
    {
        order.FundsReserved = withFunds;
        Finish(order, OrderStep.Completed, OrderStatus.Completed, reason: null, now);
        List<object> messages = [new CommitStock(order.OrderId)];
        if (withFunds) messages.Add(new CaptureFunds(order.OrderId));
        messages.Add(new OrderCompleted(
            order.OrderId,
            order.UserId,
            order.Items.OrderBy(i => i.LineNumber).Select(i => new PricedLine(i.ProductId, i.Quantity, i.UnitPrice ?? 0)).ToList(),
            order.Total));
        return messages;
    }

    private static IReadOnlyList<object> Reject(OrderRecord order, string reason, DateTimeOffset now)
    {
        var compensations = CompensateDoneSteps(order, includeCurrent: false);
        Finish(order, OrderStep.Rejected, OrderStatus.Rejected, reason, now);
        return [.. compensations, new OrderRejected(order.OrderId, order.UserId, reason)];
    }

    private static IReadOnlyList<object> TimeOut(OrderRecord order, DateTimeOffset now)
    {
        // The timed-out step may still happen (its command is in flight): compensate it too. Participants record a
        // compensation that comes first, so the late command then does nothing.
        var compensations = CompensateDoneSteps(order, includeCurrent: true);
        Finish(order, OrderStep.Rejected, OrderStatus.Rejected, RejectionReasons.Timeout, now);
        return [.. compensations, new OrderRejected(order.OrderId, order.UserId, RejectionReasons.Timeout)];
    }

    /// <summary>Newest first: funds, then coupon, then stock.</summary>
    private static List<object> CompensateDoneSteps(OrderRecord order, bool includeCurrent)
    {
        var current = order.Step;
        List<object> compensations = [];
        if (order.FundsReserved || (includeCurrent && current == OrderStep.ReservingFunds)) compensations.Add(new ReleaseFunds(order.OrderId));
        if (order.CouponRedeemed || (includeCurrent && current == OrderStep.RedeemingCoupon)) compensations.Add(new RestoreCoupon(order.OrderId));
        if (order.StockReserved || (includeCurrent && current == OrderStep.ReservingStock)) compensations.Add(new ReleaseStock(order.OrderId));
        return compensations;
    }

    private static IReadOnlyList<object> CompensateLateAnswer(OrderRecord order, object happened) => happened switch
    {
        StockReserved => [new ReleaseStock(order.OrderId)],
        CouponRedeemed => [new RestoreCoupon(order.OrderId)],
        FundsReserved => [new ReleaseFunds(order.OrderId)],
        _ => [],
    };

    private static void EnterStep(OrderRecord order, OrderStep step, DateTimeOffset now, TimeSpan stepTimeout)
    {
        order.Step = step;
        order.StepStartedAt = now;
        order.StepDeadline = now + stepTimeout;
        order.UpdatedAt = now;
    }

    private static void Finish(OrderRecord order, OrderStep step, string status, string? reason, DateTimeOffset now)
    {
        order.Step = step;
        order.Status = status;
        order.Reason = reason;
        order.StepStartedAt = now;
        order.UpdatedAt = now;
    }
}
