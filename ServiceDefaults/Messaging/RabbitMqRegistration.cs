using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Commerce.ServiceDefaults.Messaging;

public static class RabbitMqRegistration
{
    /// <summary>
    /// MassTransit over RabbitMQ from <c>ConnectionStrings__{name}</c> (<c>amqp://user:pass@host:port/vhost</c>).
    /// Every receive endpoint retries transient faults, then moves the message to its <c>_error</c> queue: nothing is
    /// dropped. MassTransit registers its bus health check itself (every endpoint's state; <c>/health</c> fails while one is
    /// not consuming). A receive endpoint that lost the broker is restarted until it consumes again
    /// (<see cref="ReceiveEndpointRecovery"/>).
    /// </summary>
    public static TBuilder AddRabbitMqMessaging<TBuilder>(
        this TBuilder builder,
        Action<IBusRegistrationConfigurator> configureConsumers,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureBus = null,
        string connectionName = "rabbitmq")
        where TBuilder : IHostApplicationBuilder
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not configured.");
        var uri = new Uri(connectionString);
        var userInfo = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
        var virtualHost = uri.AbsolutePath.Trim('/') is { Length: > 0 } path ? Uri.UnescapeDataString(path) : "/";

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new ReceiveEndpointRecovery.Broker(uri));
        builder.Services.AddSingleton<ReceiveEndpointRecovery>();
        builder.Services.AddReceiveEndpointObserver(services => services.GetRequiredService<ReceiveEndpointRecovery>());
        builder.Services.AddHostedService(services => services.GetRequiredService<ReceiveEndpointRecovery>());
        builder.Services.AddMassTransit(bus =>
        {
            // MassTransit 8.4+ reports usage to an outside host unless told not to.
            bus.DisableUsageTelemetry();
            bus.SetKebabCaseEndpointNameFormatter();
            configureConsumers(bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(uri.Host, (ushort)(uri.IsDefaultPort ? 5672 : uri.Port), virtualHost, host =>
                {
                    host.Username(userInfo.ElementAtOrDefault(0) is { Length: > 0 } user ? user : "guest");
                    host.Password(userInfo.ElementAtOrDefault(1) ?? "guest");
                });
                // MassTransit's default prefetch is twice the core count (4 here): each queue then has 4 messages in
                // work at once, and a saga step waiting on PostgreSQL keeps the rest queued. Measured with the
                // lunch-rush suite; Messaging__PrefetchCount tunes it.
                rabbit.PrefetchCount = builder.Configuration.GetValue("Messaging:PrefetchCount", 32);
                rabbit.UseMessageRetry(retry =>
                {
                    retry.Exponential(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200));
                    // The broker is away: the message returns with it; retrying would hold the endpoint from reconnecting.
                    retry.Ignore<BrokerLostException>();
                });
                configureBus?.Invoke(context, rabbit);
                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }
}
