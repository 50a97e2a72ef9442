using Commerce.Notification;
using Commerce.Notification.Data;
using Commerce.Notification.Notifications;
using Commerce.ServiceDefaults.Data;
using Commerce.ServiceDefaults.Messaging;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<NotificationDbContext>("notificationdb");
builder.AddNotificationServices();
builder.AddRabbitMqMessaging(bus => bus.AddNotificationConsumers());

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapNotificationEndpoints();

app.Run();
