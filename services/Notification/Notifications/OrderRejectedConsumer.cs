using Commerce.Contracts;
using Commerce.Notification.Templates;
using MassTransit;

namespace Commerce.Notification.Notifications;

/// <summary>Tells the user why their order could not be completed, once per order.</summary>
public sealed class OrderRejectedConsumer(NotificationStore store, MessageTemplates templates) : IConsumer<OrderRejected>
{
    public Task Consume(ConsumeContext<OrderRejected> context) => store.RecordAsync(
        context.Message.OrderId, context.Message.UserId, NotificationKinds.OrderRejected,
        templates.Rejected(context.Message.Reason), context.CancellationToken);
}

/// <summary>Gives the consumer a queue of its own.</summary>
public sealed class OrderRejectedConsumerDefinition : ConsumerDefinition<OrderRejectedConsumer>
{
    // Named for this service, so another service's OrderRejectedConsumer gets its own copy of each event, not half of them.
    public OrderRejectedConsumerDefinition() => EndpointName = "notification-order-rejected";
}
