using Commerce.Order.Data;
using Commerce.Order.Outbox;
using Commerce.Order.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Commerce.Order.Saga;

/// <summary>Saga settings (<c>Orders__StepTimeoutSeconds</c>).</summary>
public sealed class SagaOptions
{
    public double StepTimeoutSeconds { get; set; } = 30;
    public TimeSpan StepTimeout => TimeSpan.FromSeconds(StepTimeoutSeconds);
}

/// <summary>
/// The saga's durable repository: loads the order row under a row lock, runs <see cref="OrderSaga"/>, and commits the
/// new state and the messages it sends in one transaction. The row lock only serialises answers about one order.
/// </summary>
public sealed class OrderSagaStore(
    OrderDbContext db,
    OutboxRelay relay,
    OrderMetrics metrics,
    IOptions<SagaOptions> options,
    TimeProvider clock,
    ILogger<OrderSagaStore> logger)
{
    /// <summary>
    /// Applies <paramref name="happened"/> to the order. <paramref name="skipIfBusy"/>: an order whose row another transaction
    /// holds is left to it (SKIP LOCKED): the timeout sweepers of several replicas then share the overdue orders instead
    /// of queueing behind each other for the same ones.
    /// </summary>
    public async Task ApplyAsync(Guid orderId, object happened, CancellationToken cancellationToken, bool skipIfBusy = false)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // EF would wrap SaveChanges in a savepoint (two more round trips per step) to keep the transaction usable after
        // a failed save; a failed save here abandons the whole transaction anyway, and the message is retried.
        db.Database.AutoSavepointsEnabled = false;
        var order = await (skipIfBusy
                ? db.Orders.FromSql($"SELECT * FROM orders WHERE order_id = {orderId} FOR UPDATE SKIP LOCKED")
                : db.Orders.FromSql($"SELECT * FROM orders WHERE order_id = {orderId} FOR UPDATE"))
            .Include(o => o.Items)
            .SingleOrDefaultAsync(cancellationToken);
        if (order is null && skipIfBusy)
        {
            return;
        }

        if (order is null)
        {
            logger.LogWarning("{Message} for unknown order {OrderId} ignored", happened.GetType().Name, orderId);
            return;
        }

        var now = clock.GetUtcNow();
        var stepBefore = order.Step;
        var stepStartedAt = order.StepStartedAt;
        var messages = OrderSaga.Apply(order, happened, now, options.Value.StepTimeout);
        // A confirmation that is not the last changes only a flag: that must be saved too, so ask EF, not the step.
        if (messages.Count == 0 && !db.ChangeTracker.HasChanges())
        {
            logger.LogDebug("{Message} for order {OrderId} in {Step} changes nothing", happened.GetType().Name, orderId, stepBefore);
            return;
        }

        OutboxWriter.Enqueue(db, messages, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        relay.WakeUp();

        if (happened is StepTimedOut && order.Step == stepBefore)
        {
            logger.LogWarning("Order {OrderId}: {Step} still unconfirmed at its deadline; sent {Count} commands again", orderId, stepBefore, messages.Count);
        }

        if (order.Step != stepBefore)
        {
            if (happened is StepTimedOut) logger.LogWarning("Order {OrderId} timed out in {Step}", orderId, stepBefore);
            metrics.StepFinished(stepBefore, now - stepStartedAt);
            if (OrderSaga.IsFinal(order.Step)) metrics.OrderFinished(order.Status, order.Reason, now - order.CreatedAt);
        }
    }
}
