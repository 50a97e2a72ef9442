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
/// saga state, one transaction with the outbox) and harder to prove under kill -9. Steps: when the order was priced at
/// placement and has no coupon, ReserveStock and ReserveFunds at once (ReservingStockAndFunds), Completed when both
/// answered; otherwise ReserveStock (which prices it) → RedeemCoupon (if a coupon) → ReserveFunds → Completed. Each step
/// takes for good (stock sold, coupon used, money taken), so the last answer completes the order: no commit round, five
/// messages per order. On failure or timeout, Releasing: compensate exactly the steps done (and the one timed out, whose answer may still come),
/// newest first, and wait until each participant confirms, then Rejected. So a client that reads Completed finds the
/// stock sold and the money taken, and one that reads Rejected finds nothing of the order held. Answers that arrive
/// after that are compensated again (participants are idempotent). Releasing never gives up: past its deadline it sends
/// what is unconfirmed again.
/// </remarks>
public static class OrderSaga
{
    public static IReadOnlyList<object> Start(OrderRecord order, DateTimeOffset now, TimeSpan stepTimeout)
    {
        order.Status = OrderStatus.Pending;
        var takeStock = new ReserveStock(order.OrderId, order.Items.OrderBy(i => i.LineNumber).Select(i => new OrderLine(i.ProductId, i.Quantity)).ToList());
        // Priced at placement, nothing to discount and something to pay: the total is known, so stock and money are taken
        // in parallel, two hops to Completed instead of four. A coupon's discount needs the coupon's answer first.
        if (order.CouponId is null && order.Items.All(item => item.UnitPrice is not null))
        {
            PriceFromItems(order);
            if (order.Total > 0)
            {
                EnterStep(order, OrderStep.ReservingStockAndFunds, now, stepTimeout);
                return [takeStock, new ReserveFunds(order.OrderId, order.UserId, order.Total)];
            }
        }

        EnterStep(order, OrderStep.ReservingStock, now, stepTimeout);
        return [takeStock];
    }

    public static IReadOnlyList<object> Apply(OrderRecord order, object happened, DateTimeOffset now, TimeSpan stepTimeout) =>
        (order.Step, happened) switch
        {
            // The order's own prices stand: the funds step was asked for their total. Stock's prices are the same unless
            // the product was repriced in the milliseconds between placement and take.
            // An answer counts once, as a confirmation does below: a repeat finds its flag set and changes nothing.
            (OrderStep.ReservingStockAndFunds, StockReserved) when !order.StockReserved => TookInParallel(order, () => order.StockReserved = true, now),
            (OrderStep.ReservingStockAndFunds, FundsReserved) when !order.FundsReserved => TookInParallel(order, () => order.FundsReserved = true, now),
            // One side refused; the other may have taken (or may still take, its command in flight): release it too.
            (OrderStep.ReservingStockAndFunds, StockReservationFailed failed) =>
                RejectWhileOtherMayHold(order, () => order.FundsReserved = true, failed.Reason, now, stepTimeout),
            (OrderStep.ReservingStockAndFunds, FundsReservationFailed failed) =>
                RejectWhileOtherMayHold(order, () => order.StockReserved = true, failed.Reason, now, stepTimeout),
            (OrderStep.ReservingStock, StockReserved reserved) => OnStockReserved(order, reserved, now, stepTimeout),
            (OrderStep.ReservingStock, StockReservationFailed failed) => Reject(order, failed.Reason, now, stepTimeout),
            (OrderStep.RedeemingCoupon, CouponRedeemed redeemed) => OnCouponRedeemed(order, redeemed, now, stepTimeout),
            (OrderStep.RedeemingCoupon, CouponRedemptionFailed failed) => Reject(order, failed.Reason, now, stepTimeout),
            (OrderStep.ReservingFunds, FundsReserved) => Complete(order, now),
            (OrderStep.ReservingFunds, FundsReservationFailed failed) => Reject(order, failed.Reason, now, stepTimeout),
            // A confirmation counts once: a repeat finds its flag already cleared and falls through to "changes nothing".
            (OrderStep.Releasing, StockReleased) when order.StockReserved => Settled(order, () => order.StockReserved = false, now),
            (OrderStep.Releasing, FundsReleased) when order.FundsReserved => Settled(order, () => order.FundsReserved = false, now),
            (OrderStep.Releasing, CouponRestored) when order.CouponRedeemed => Settled(order, () => order.CouponRedeemed = false, now),
            (var step, StepTimedOut timedOut) when step == timedOut.Step && IsSettling(step) && now >= order.StepDeadline =>
                SendUnconfirmedAgain(order, now, stepTimeout),
            (var step, StepTimedOut timedOut) when step == timedOut.Step && !IsFinal(step) && now >= order.StepDeadline =>
                TimeOut(order, now, stepTimeout),
            (OrderStep.Rejected, _) => CompensateLateAnswer(order, happened),
            // Duplicates and answers to steps already passed change nothing.
            _ => [],
        };

    public static bool IsFinal(OrderStep step) => step is OrderStep.Completed or OrderStep.Rejected;

    /// <summary>The order is rejected; the saga waits for the participants to confirm their compensations.</summary>
    public static bool IsSettling(OrderStep step) => step is OrderStep.Releasing;

    /// <summary>One of the two parallel takes answered; the second answer completes the order.</summary>
    private static IReadOnlyList<object> TookInParallel(OrderRecord order, Action took, DateTimeOffset now)
    {
        took();
        order.UpdatedAt = now;
        return order.StockReserved && order.FundsReserved ? Complete(order, now) : [];
    }

    private static IReadOnlyList<object> RejectWhileOtherMayHold(
        OrderRecord order, Action otherMayHold, string reason, DateTimeOffset now, TimeSpan stepTimeout)
    {
        otherMayHold();
        return Reject(order, reason, now, stepTimeout);
    }

    /// <summary>Subtotal and total (before any discount) from the lines' unit prices, which must all be known.</summary>
    private static void PriceFromItems(OrderRecord order)
    {
        order.Subtotal = order.Items.Sum(item => item.Quantity * item.UnitPrice!.Value);
        order.Total = order.Subtotal;
    }

    private static IReadOnlyList<object> OnStockReserved(OrderRecord order, StockReserved reserved, DateTimeOffset now, TimeSpan stepTimeout)
    {
        order.StockReserved = true;
        foreach (var item in order.Items)
        {
            item.UnitPrice = reserved.Lines.FirstOrDefault(line => line.ProductId == item.ProductId)?.UnitPrice
                ?? throw new InvalidOperationException($"Stock reserved order {order.OrderId} without a price for {item.ProductId}.");
        }

        PriceFromItems(order);
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
            return Complete(order, now);
        }

        EnterStep(order, OrderStep.ReservingFunds, now, stepTimeout);
        return [new ReserveFunds(order.OrderId, order.UserId, order.Total)];
    }

    /// <summary>
    /// Every step took what it takes for good: the order is done. The flags go back to "holds nothing to undo", since
    /// nothing is released after this.
    /// </summary>
    private static IReadOnlyList<object> Complete(OrderRecord order, DateTimeOffset now)
    {
        order.StockReserved = false;
        order.CouponRedeemed = false;
        order.FundsReserved = false;
        return Finish(order, OrderStep.Completed, OrderStatus.Completed, now);
    }

    private static IReadOnlyList<object> Reject(OrderRecord order, string reason, DateTimeOffset now, TimeSpan stepTimeout) =>
        Release(order, reason, includeCurrent: false, now, stepTimeout);

    /// <summary>
    /// The timed-out step may still happen (its command is in flight): compensate it too. Participants record a
    /// compensation that comes first, so the late command then does nothing.
    /// </summary>
    private static IReadOnlyList<object> TimeOut(OrderRecord order, DateTimeOffset now, TimeSpan stepTimeout) =>
        Release(order, RejectionReasons.Timeout, includeCurrent: true, now, stepTimeout);

    /// <summary>Undo what the order may hold, then reject it once every participant confirmed (at once if it holds nothing).</summary>
    private static IReadOnlyList<object> Release(OrderRecord order, string reason, bool includeCurrent, DateTimeOffset now, TimeSpan stepTimeout)
    {
        if (includeCurrent)
        {
            // From here the flags mean "may hold": each stays set until its participant confirms the release.
            switch (order.Step)
            {
                case OrderStep.ReservingStockAndFunds: order.StockReserved = true; order.FundsReserved = true; break;
                case OrderStep.ReservingStock: order.StockReserved = true; break;
                case OrderStep.RedeemingCoupon: order.CouponRedeemed = true; break;
                case OrderStep.ReservingFunds: order.FundsReserved = true; break;
            }
        }

        order.Reason = reason;
        if (!HoldsAnything(order))
        {
            return Finish(order, OrderStep.Rejected, OrderStatus.Rejected, now);
        }

        EnterStep(order, OrderStep.Releasing, now, stepTimeout);
        return Unconfirmed(order);
    }

    /// <summary>A participant confirmed its compensation; the last confirmation makes the order Rejected.</summary>
    private static IReadOnlyList<object> Settled(OrderRecord order, Action confirm, DateTimeOffset now)
    {
        confirm();
        order.UpdatedAt = now;
        return HoldsAnything(order) ? [] : Finish(order, OrderStep.Rejected, OrderStatus.Rejected, now);
    }

    /// <summary>Past Releasing's deadline: the rejection is decided, so ask again for what is unconfirmed.</summary>
    private static IReadOnlyList<object> SendUnconfirmedAgain(OrderRecord order, DateTimeOffset now, TimeSpan stepTimeout)
    {
        order.StepDeadline = now + stepTimeout;
        order.UpdatedAt = now;
        return Unconfirmed(order);
    }

    /// <summary>The compensations Releasing still waits for, newest first.</summary>
    private static IReadOnlyList<object> Unconfirmed(OrderRecord order)
    {
        List<object> messages = [];
        if (order.FundsReserved) messages.Add(new ReleaseFunds(order.OrderId));
        if (order.CouponRedeemed) messages.Add(new RestoreCoupon(order.OrderId));
        if (order.StockReserved) messages.Add(new ReleaseStock(order.OrderId));
        return messages;
    }

    private static bool HoldsAnything(OrderRecord order) => order.StockReserved || order.FundsReserved || order.CouponRedeemed;

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

    /// <summary>The order is final: its event tells the shop (ranking, notifications).</summary>
    private static IReadOnlyList<object> Finish(OrderRecord order, OrderStep step, string status, DateTimeOffset now)
    {
        order.Step = step;
        order.Status = status;
        order.Reason = status == OrderStatus.Rejected ? order.Reason : null;
        order.StepStartedAt = now;
        order.UpdatedAt = now;
        return status == OrderStatus.Completed
            ? [new OrderCompleted(
                order.OrderId,
                order.UserId,
                order.Items.OrderBy(i => i.LineNumber).Select(i => new PricedLine(i.ProductId, i.Quantity, i.UnitPrice ?? 0)).ToList(),
                order.Total)]
            : [new OrderRejected(order.OrderId, order.UserId, order.Reason!)];
    }
}
