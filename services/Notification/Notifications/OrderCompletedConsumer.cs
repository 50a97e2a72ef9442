using Commerce.Contracts;
using Commerce.Notification.Templates;
using MassTransit;

namespace Commerce.Notification.Notifications;

/// <summary>Tells the user their order is complete: what they bought and what they paid, once per order.</summary>
public sealed class OrderCompletedConsumer(NotificationStore store, MessageTemplates templates) : IConsumer<OrderCompleted>
{
    public Task Consume(ConsumeContext<OrderCompleted> context) => store.RecordAsync(
        context.Message.OrderId, context.Message.UserId, NotificationKinds.OrderCompleted,
        templates.Completed(context.Message.Lines, context.Message.Total), context.CancellationToken);
}

/// <summary>Gives the consumer a queue of its own.</summary>
public sealed class OrderCompletedConsumerDefinition : ConsumerDefinition<OrderCompletedConsumer>
{
    // The default name, "order-completed", is what any service's OrderCompletedConsumer gets (Stock's ranking has one):
    // two services on one queue compete for each event instead of both receiving it.
    public OrderCompletedConsumerDefinition() => EndpointName = "notification-order-completed";
}
