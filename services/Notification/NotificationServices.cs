using Commerce.Notification.Notifications;
using Commerce.Notification.Templates;
using MassTransit;

namespace Commerce.Notification;

/// <summary>The Notification service's own parts: the message templates, the store and the order event consumers.</summary>
public static class NotificationServices
{
    public static IHostApplicationBuilder AddNotificationServices(this IHostApplicationBuilder builder)
    {
        // Read once at start: a bad setting stops the service before it writes a single message.
        var language = MessageTemplates.ParseLanguage(builder.Configuration[MessageTemplates.LanguageSetting]);
        builder.Services.AddSingleton(MessageTemplates.For(language));
        builder.Services.AddSingleton<NotificationMetrics>();
        builder.Services.AddSingleton<NotificationStore>();
        return builder;
    }

    public static void AddNotificationConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<OrderCompletedConsumer, OrderCompletedConsumerDefinition>();
        bus.AddConsumer<OrderRejectedConsumer, OrderRejectedConsumerDefinition>();
    }
}
