using Commerce.Contracts;
using MassTransit;

namespace Commerce.Order.Saga;

// One thin consumer per participant answer: each hands the answer to the saga store. Redelivery is harmless because
// the saga ignores an answer for a step it has left.

public sealed class StockReservedConsumer(OrderSagaStore store) : IConsumer<StockReserved>
{
    public Task Consume(ConsumeContext<StockReserved> context) => store.ApplyAsync(context.Message.OrderId, context.Message, context.CancellationToken);
}

public sealed class StockReservationFailedConsumer(OrderSagaStore store) : IConsumer<StockReservationFailed>
{
    public Task Consume(ConsumeContext<StockReservationFailed> context) => store.ApplyAsync(context.Message.OrderId, context.Message, context.CancellationToken);
}

public sealed class CouponRedeemedConsumer(OrderSagaStore store) : IConsumer<CouponRedeemed>
{
    public Task Consume(ConsumeContext<CouponRedeemed> context) => store.ApplyAsync(context.Message.OrderId, context.Message, context.CancellationToken);
}

public sealed class CouponRedemptionFailedConsumer(OrderSagaStore store) : IConsumer<CouponRedemptionFailed>
{
    public Task Consume(ConsumeContext<CouponRedemptionFailed> context) => store.ApplyAsync(context.Message.OrderId, context.Message, context.CancellationToken);
}

public sealed class FundsReservedConsumer(OrderSagaStore store) : IConsumer<FundsReserved>
{
    public Task Consume(ConsumeContext<FundsReserved> context) => store.ApplyAsync(context.Message.OrderId, context.Message, context.CancellationToken);
}

public sealed class FundsReservationFailedConsumer(OrderSagaStore store) : IConsumer<FundsReservationFailed>
{
    public Task Consume(ConsumeContext<FundsReservationFailed> context) => store.ApplyAsync(context.Message.OrderId, context.Message, context.CancellationToken);
}

/// <summary>
/// The participants' confirmations of a rejected order's compensations: one consumer, so one queue, since each is a
/// single row update that rejects the order with the last of them.
/// </summary>
public sealed class SettlementConsumer(OrderSagaStore store) :
    IConsumer<StockReleased>, IConsumer<FundsReleased>, IConsumer<CouponRestored>
{
    public Task Consume(ConsumeContext<StockReleased> context) => store.ApplyAsync(context.Message.OrderId, context.Message, context.CancellationToken);

    public Task Consume(ConsumeContext<FundsReleased> context) => store.ApplyAsync(context.Message.OrderId, context.Message, context.CancellationToken);

    public Task Consume(ConsumeContext<CouponRestored> context) => store.ApplyAsync(context.Message.OrderId, context.Message, context.CancellationToken);
}
