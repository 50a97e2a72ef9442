using Commerce.Contracts;
using Commerce.Order.Data;
using Commerce.Order.Saga;

namespace Commerce.UnitTests.Orders;

public sealed class OrderSagaTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static OrderRecord NewOrder(Guid? couponId = null) => new()
    {
        OrderId = Guid.NewGuid(),
        UserId = "u-1",
        IdempotencyKey = "k",
        RequestHash = "h",
        CouponId = couponId,
        CreatedAt = T0,
        Items =
        [
            new OrderItemRecord { LineNumber = 1, ProductId = "kimbap", Quantity = 2 },
            new OrderItemRecord { LineNumber = 2, ProductId = "ramen", Quantity = 1 },
        ],
    };

    private static StockReserved PricedAt(OrderRecord order) =>
        new(order.OrderId, [new PricedLine("kimbap", 2, 4500), new PricedLine("ramen", 1, 3000)]);

    private static IReadOnlyList<object> Apply(OrderRecord order, object happened, DateTimeOffset? at = null) =>
        OrderSaga.Apply(order, happened, at ?? T0.AddSeconds(1), StepTimeout);

    [Fact]
    public void Starting_reserves_every_line()
    {
        var order = NewOrder();

        var messages = OrderSaga.Start(order, T0, StepTimeout);

        var reserve = Assert.IsType<ReserveStock>(Assert.Single(messages));
        Assert.Equal(["kimbap", "ramen"], reserve.Lines.Select(l => l.ProductId));
        Assert.Equal(OrderStep.ReservingStock, order.Step);
        Assert.Equal(T0 + StepTimeout, order.StepDeadline);
    }

    [Fact]
    public void Without_a_coupon_priced_stock_goes_straight_to_the_money()
    {
        var order = NewOrder();
        OrderSaga.Start(order, T0, StepTimeout);

        var messages = Apply(order, PricedAt(order));

        var funds = Assert.IsType<ReserveFunds>(Assert.Single(messages));
        Assert.Equal(12000, funds.Amount);
        Assert.Equal(12000, order.Subtotal);
        Assert.Equal(OrderStep.ReservingFunds, order.Step);
    }

    [Fact]
    public void A_coupon_is_redeemed_before_the_money_and_discounts_it()
    {
        var couponId = Guid.NewGuid();
        var order = NewOrder(couponId);
        OrderSaga.Start(order, T0, StepTimeout);

        var redeem = Assert.IsType<RedeemCoupon>(Assert.Single(Apply(order, PricedAt(order))));
        Assert.Equal(new RedeemCoupon(order.OrderId, "u-1", couponId, 12000), redeem);

        var funds = Assert.IsType<ReserveFunds>(Assert.Single(Apply(order, new CouponRedeemed(order.OrderId, couponId, 2000))));
        Assert.Equal(10000, funds.Amount);
        Assert.Equal(2000, order.Discount);
        Assert.Equal(10000, order.Total);
    }

    [Fact]
    public void Taken_money_completes_the_order_at_once_since_every_step_took_for_good()
    {
        var order = NewOrder();
        OrderSaga.Start(order, T0, StepTimeout);
        Apply(order, PricedAt(order));

        var completed = Assert.IsType<OrderCompleted>(Assert.Single(Apply(order, new FundsReserved(order.OrderId))));

        Assert.Equal(12000, completed.Total);
        Assert.Equal([new PricedLine("kimbap", 2, 4500), new PricedLine("ramen", 1, 3000)], completed.Lines);
        Assert.Equal((OrderStep.Completed, OrderStatus.Completed), (order.Step, order.Status));
        Assert.Null(order.Reason);
        Assert.Empty(Apply(order, new FundsReserved(order.OrderId)));
    }

    [Fact]
    public void Failed_stock_rejects_with_its_reason_and_nothing_to_undo()
    {
        var order = NewOrder();
        OrderSaga.Start(order, T0, StepTimeout);

        var messages = Apply(order, new StockReservationFailed(order.OrderId, RejectionReasons.InsufficientStock));

        // Nothing was reserved, so nothing waits for a confirmation: Rejected at once.
        Assert.Equal(RejectionReasons.InsufficientStock, Assert.IsType<OrderRejected>(Assert.Single(messages)).Reason);
        Assert.Equal(OrderStatus.Rejected, order.Status);
        Assert.Equal(RejectionReasons.InsufficientStock, order.Reason);
    }

    [Fact]
    public void A_refused_coupon_releases_the_stock()
    {
        var order = NewOrder(Guid.NewGuid());
        OrderSaga.Start(order, T0, StepTimeout);
        Apply(order, PricedAt(order));

        var messages = Apply(order, new CouponRedemptionFailed(order.OrderId, RejectionReasons.CouponAlreadyUsed));

        Assert.IsType<ReleaseStock>(Assert.Single(messages));
        Assert.Equal(OrderStep.Releasing, order.Step);
        Assert.Equal(OrderStatus.Pending, order.Status);
        Assert.Equal(RejectionReasons.CouponAlreadyUsed, Assert.IsType<OrderRejected>(Assert.Single(Apply(order, new StockReleased(order.OrderId)))).Reason);
        Assert.Equal(OrderStatus.Rejected, order.Status);
    }

    [Fact]
    public void Insufficient_funds_undoes_coupon_then_stock_newest_first()
    {
        var couponId = Guid.NewGuid();
        var order = NewOrder(couponId);
        OrderSaga.Start(order, T0, StepTimeout);
        Apply(order, PricedAt(order));
        Apply(order, new CouponRedeemed(order.OrderId, couponId, 1000));

        var messages = Apply(order, new FundsReservationFailed(order.OrderId, RejectionReasons.InsufficientFunds));

        Assert.Equal([nameof(RestoreCoupon), nameof(ReleaseStock)], messages.Select(m => m.GetType().Name));
        Assert.Empty(Apply(order, new StockReleased(order.OrderId)));
        Assert.Equal(OrderStatus.Pending, order.Status);
        Assert.Equal(RejectionReasons.InsufficientFunds, Assert.IsType<OrderRejected>(Assert.Single(Apply(order, new CouponRestored(order.OrderId)))).Reason);
    }

    [Theory]
    [InlineData(OrderStep.ReservingStock, new[] { nameof(ReleaseStock) })]
    [InlineData(OrderStep.RedeemingCoupon, new[] { nameof(RestoreCoupon), nameof(ReleaseStock) })]
    [InlineData(OrderStep.ReservingFunds, new[] { nameof(ReleaseFunds), nameof(RestoreCoupon), nameof(ReleaseStock) })]
    public void A_timeout_compensates_the_step_in_flight_and_every_step_done(OrderStep stuckIn, string[] compensations)
    {
        var couponId = Guid.NewGuid();
        var order = NewOrder(couponId);
        OrderSaga.Start(order, T0, StepTimeout);
        if (stuckIn != OrderStep.ReservingStock) Apply(order, PricedAt(order));
        if (stuckIn == OrderStep.ReservingFunds) Apply(order, new CouponRedeemed(order.OrderId, couponId, 1000));
        Assert.Equal(stuckIn, order.Step);

        var messages = Apply(order, new StepTimedOut(order.OrderId, stuckIn), order.StepDeadline.AddSeconds(1));

        Assert.Equal(compensations, messages.Select(m => m.GetType().Name));
        Assert.Equal(OrderStep.Releasing, order.Step);
        var confirmations = new Dictionary<string, object>
        {
            [nameof(ReleaseFunds)] = new FundsReleased(order.OrderId),
            [nameof(RestoreCoupon)] = new CouponRestored(order.OrderId),
            [nameof(ReleaseStock)] = new StockReleased(order.OrderId),
        };
        IReadOnlyList<object> last = [];
        foreach (var compensation in compensations)
        {
            Assert.Equal(OrderStatus.Pending, order.Status);
            last = Apply(order, confirmations[compensation]);
        }

        Assert.Equal(RejectionReasons.Timeout, Assert.IsType<OrderRejected>(Assert.Single(last)).Reason);
        Assert.Equal(OrderStatus.Rejected, order.Status);
    }

    [Fact]
    public void A_release_past_its_deadline_is_sent_again_until_confirmed()
    {
        var order = NewOrder();
        OrderSaga.Start(order, T0, StepTimeout);
        Apply(order, new StepTimedOut(order.OrderId, OrderStep.ReservingStock), order.StepDeadline.AddSeconds(1));

        Assert.IsType<ReleaseStock>(Assert.Single(Apply(order, new StepTimedOut(order.OrderId, OrderStep.Releasing), order.StepDeadline.AddSeconds(1))));
        // The reservation the release raced with answers late: the release in flight covers it.
        Assert.Empty(Apply(order, PricedAt(order)));
        Assert.IsType<OrderRejected>(Assert.Single(Apply(order, new StockReleased(order.OrderId))));
    }

    [Fact]
    public void A_timeout_before_the_deadline_or_for_a_step_already_left_changes_nothing()
    {
        var order = NewOrder();
        OrderSaga.Start(order, T0, StepTimeout);

        Assert.Empty(Apply(order, new StepTimedOut(order.OrderId, OrderStep.ReservingStock), T0.AddSeconds(5)));
        Apply(order, PricedAt(order));
        Assert.Empty(Apply(order, new StepTimedOut(order.OrderId, OrderStep.ReservingStock), T0.AddMinutes(5)));
        Assert.Equal(OrderStep.ReservingFunds, order.Step);
    }

    [Fact]
    public void A_late_answer_after_a_timeout_is_compensated_again()
    {
        var order = NewOrder();
        OrderSaga.Start(order, T0, StepTimeout);
        Apply(order, PricedAt(order));
        Apply(order, new StepTimedOut(order.OrderId, OrderStep.ReservingFunds), order.StepDeadline.AddSeconds(1));
        Apply(order, new FundsReleased(order.OrderId));
        Apply(order, new StockReleased(order.OrderId));
        Assert.Equal(OrderStatus.Rejected, order.Status);

        Assert.IsType<ReleaseFunds>(Assert.Single(Apply(order, new FundsReserved(order.OrderId))));
        Assert.IsType<ReleaseStock>(Assert.Single(Apply(order, PricedAt(order))));
        Assert.Empty(Apply(order, new FundsReservationFailed(order.OrderId, RejectionReasons.InsufficientFunds)));
        Assert.Equal(OrderStatus.Rejected, order.Status);
    }

    [Fact]
    public void A_redelivered_answer_changes_nothing()
    {
        var order = NewOrder();
        OrderSaga.Start(order, T0, StepTimeout);
        Apply(order, PricedAt(order));
        Apply(order, new FundsReserved(order.OrderId));

        Assert.Empty(Apply(order, PricedAt(order)));
        Assert.Empty(Apply(order, new FundsReserved(order.OrderId)));
        Assert.Empty(Apply(order, new StockReleased(order.OrderId)));
        Assert.Equal(OrderStatus.Completed, order.Status);
    }

    [Fact]
    public void A_coupon_worth_the_whole_subtotal_completes_without_touching_money()
    {
        var couponId = Guid.NewGuid();
        var order = NewOrder(couponId);
        OrderSaga.Start(order, T0, StepTimeout);
        Apply(order, PricedAt(order));

        var messages = Apply(order, new CouponRedeemed(order.OrderId, couponId, 50000));

        Assert.Equal(0, Assert.IsType<OrderCompleted>(Assert.Single(messages)).Total);
        Assert.Equal(OrderStatus.Completed, order.Status);
        Assert.Equal(0, order.Total);
        Assert.Equal(12000, order.Discount);
    }

    // An order priced at placement (prices read from Stock) and without a coupon: stock and money are taken at once.

    private static OrderRecord NewPricedOrder(Guid? couponId = null)
    {
        var order = NewOrder(couponId);
        order.Items[0].UnitPrice = 4500;
        order.Items[1].UnitPrice = 3000;
        return order;
    }

    [Fact]
    public void A_priced_order_without_a_coupon_takes_stock_and_money_at_once()
    {
        var order = NewPricedOrder();

        var messages = OrderSaga.Start(order, T0, StepTimeout);

        Assert.Equal([nameof(ReserveStock), nameof(ReserveFunds)], messages.Select(m => m.GetType().Name));
        Assert.Equal(new ReserveFunds(order.OrderId, "u-1", 12000), messages[1]);
        Assert.Equal(12000, order.Total);
        Assert.Equal(OrderStep.ReservingStockAndFunds, order.Step);
        Assert.Equal(T0 + StepTimeout, order.StepDeadline);
    }

    [Fact]
    public void A_priced_order_with_a_coupon_or_a_line_unpriced_goes_the_sequential_way()
    {
        var withCoupon = NewPricedOrder(Guid.NewGuid());
        var unpriced = NewPricedOrder();
        unpriced.Items[1].UnitPrice = null;

        Assert.IsType<ReserveStock>(Assert.Single(OrderSaga.Start(withCoupon, T0, StepTimeout)));
        Assert.IsType<ReserveStock>(Assert.Single(OrderSaga.Start(unpriced, T0, StepTimeout)));
        Assert.Equal(OrderStep.ReservingStock, withCoupon.Step);
        Assert.Equal(OrderStep.ReservingStock, unpriced.Step);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_second_of_the_two_takes_completes_the_order_whichever_comes_first(bool stockFirst)
    {
        var order = NewPricedOrder();
        OrderSaga.Start(order, T0, StepTimeout);
        object stock = PricedAt(order), funds = new FundsReserved(order.OrderId);

        Assert.Empty(Apply(order, stockFirst ? stock : funds));
        Assert.Empty(Apply(order, stockFirst ? stock : funds));
        Assert.Equal(OrderStatus.Pending, order.Status);
        var completed = Assert.IsType<OrderCompleted>(Assert.Single(Apply(order, stockFirst ? funds : stock)));

        Assert.Equal(12000, completed.Total);
        Assert.Equal([new PricedLine("kimbap", 2, 4500), new PricedLine("ramen", 1, 3000)], completed.Lines);
        Assert.Equal(OrderStatus.Completed, order.Status);
        Assert.False(order.StockReserved || order.FundsReserved);
    }

    [Fact]
    public void The_order_keeps_the_prices_it_was_placed_at_and_charged_for()
    {
        var order = NewPricedOrder();
        OrderSaga.Start(order, T0, StepTimeout);

        // Repriced between placement and take: the money step was asked for the placement total, so that total stands.
        Apply(order, new StockReserved(order.OrderId, [new PricedLine("kimbap", 2, 9999), new PricedLine("ramen", 1, 9999)]));
        var completed = Assert.IsType<OrderCompleted>(Assert.Single(Apply(order, new FundsReserved(order.OrderId))));

        Assert.Equal(12000, completed.Total);
        Assert.Equal(4500, completed.Lines[0].UnitPrice);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void No_stock_releases_the_money_whether_or_not_it_was_taken_yet(bool fundsAnsweredFirst)
    {
        var order = NewPricedOrder();
        OrderSaga.Start(order, T0, StepTimeout);
        if (fundsAnsweredFirst) Apply(order, new FundsReserved(order.OrderId));

        var messages = Apply(order, new StockReservationFailed(order.OrderId, RejectionReasons.InsufficientStock));

        Assert.IsType<ReleaseFunds>(Assert.Single(messages));
        Assert.Equal(OrderStep.Releasing, order.Step);
        // The take that raced with the release answers late; the release in flight covers it.
        if (!fundsAnsweredFirst) Assert.Empty(Apply(order, new FundsReserved(order.OrderId)));
        Assert.Equal(OrderStatus.Pending, order.Status);
        var rejected = Assert.IsType<OrderRejected>(Assert.Single(Apply(order, new FundsReleased(order.OrderId))));
        Assert.Equal(RejectionReasons.InsufficientStock, rejected.Reason);
        Assert.False(order.StockReserved || order.FundsReserved);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void No_money_releases_the_stock_whether_or_not_it_was_taken_yet(bool stockAnsweredFirst)
    {
        var order = NewPricedOrder();
        OrderSaga.Start(order, T0, StepTimeout);
        if (stockAnsweredFirst) Apply(order, PricedAt(order));

        var messages = Apply(order, new FundsReservationFailed(order.OrderId, RejectionReasons.InsufficientFunds));

        Assert.IsType<ReleaseStock>(Assert.Single(messages));
        if (!stockAnsweredFirst) Assert.Empty(Apply(order, new StockReservationFailed(order.OrderId, RejectionReasons.InsufficientStock)));
        var rejected = Assert.IsType<OrderRejected>(Assert.Single(Apply(order, new StockReleased(order.OrderId))));
        Assert.Equal(RejectionReasons.InsufficientFunds, rejected.Reason);
    }

    [Fact]
    public void A_timeout_of_the_two_takes_releases_both_and_waits_for_both()
    {
        var order = NewPricedOrder();
        OrderSaga.Start(order, T0, StepTimeout);
        Apply(order, PricedAt(order));

        Assert.Empty(Apply(order, new StepTimedOut(order.OrderId, OrderStep.ReservingStockAndFunds), T0.AddSeconds(5)));
        var messages = Apply(order, new StepTimedOut(order.OrderId, OrderStep.ReservingStockAndFunds), order.StepDeadline.AddSeconds(1));

        Assert.Equal([nameof(ReleaseFunds), nameof(ReleaseStock)], messages.Select(m => m.GetType().Name));
        Assert.Empty(Apply(order, new StockReleased(order.OrderId)));
        Assert.Equal(RejectionReasons.Timeout, Assert.IsType<OrderRejected>(Assert.Single(Apply(order, new FundsReleased(order.OrderId)))).Reason);
        // The money step answers after all: taken after the rejection, so given back again.
        Assert.IsType<ReleaseFunds>(Assert.Single(Apply(order, new FundsReserved(order.OrderId))));
    }
}
