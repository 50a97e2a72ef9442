using Commerce.AppHost;
using Commerce.AppHost.Resources;

// The whole Commerce system: PostgreSQL with a database per service, Redis, RabbitMQ, the five services and the Gateway,
// Prometheus, Alertmanager and the operations page. Each service references what it uses and waits until it is healthy.
// `./run.sh --help` lists the options; infrastructure kinds and their run/publish forms are in Resources/.
if (CommandLine.WantsHelp(args))
{
    Console.WriteLine(CommandLine.Usage);
    return;
}

var builder = DistributedApplication.CreateBuilder(CommandLine.AsConfiguration(args));
var commerce = builder.AddCommerceState();

var postgres = builder.AddPostgres("postgres");
var orderDb = postgres.AddDatabase("orderdb");
var stockDb = postgres.AddDatabase("stockdb");
var walletDb = postgres.AddDatabase("walletdb");
var couponDb = postgres.AddDatabase("coupondb");
var notificationDb = postgres.AddDatabase("notificationdb");
var redis = builder.AddRedis("redis");
var rabbitMq = builder.AddRabbitMQ("rabbitmq");

if (commerce.InfrastructureOnly)
{
    builder.Build().Run();
    return;
}

var stock = builder.AddProject<Projects.Stock>("stock")
    .WithReference(stockDb).WaitFor(stockDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(rabbitMq).WaitFor(rabbitMq)
    .AsCommerceService(commerce);

var wallet = builder.AddProject<Projects.Wallet>("wallet")
    .WithReference(walletDb).WaitFor(walletDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(rabbitMq).WaitFor(rabbitMq)
    .AsCommerceService(commerce);

var coupon = builder.AddProject<Projects.Coupon>("coupon")
    .WithReference(couponDb).WaitFor(couponDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(rabbitMq).WaitFor(rabbitMq)
    .AsCommerceService(commerce);

var order = builder.AddProject<Projects.Order>("order")
    .WithReference(orderDb).WaitFor(orderDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(rabbitMq).WaitFor(rabbitMq)
    // Prices read at placement, best effort: Order starts without Stock and orders the sequential way meanwhile.
    .WithReference(stock)
    .AsCommerceService(commerce);

var notification = builder.AddProject<Projects.Notification>("notification")
    .WithReference(notificationDb).WaitFor(notificationDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(rabbitMq).WaitFor(rabbitMq)
    .AsCommerceService(commerce);

var gateway = builder.AddProject<Projects.Gateway>("gateway")
    .WithReference(stock).WaitFor(stock)
    .WithReference(wallet).WaitFor(wallet)
    .WithReference(coupon).WaitFor(coupon)
    .WithReference(order).WaitFor(order)
    .WithReference(notification).WaitFor(notification)
    .AsCommerceService(commerce)
    .WithExternalHttpEndpoints()
    // The storefront's interactive API reference (Development), one click from the dashboard.
    .WithUrls(context =>
    {
        if (context.Urls.FirstOrDefault(url => url.Endpoint?.EndpointName == "http") is { } http)
        {
            context.Urls.Add(new ResourceUrlAnnotation { Url = http.Url.TrimEnd('/') + "/scalar", DisplayText = "API reference (Scalar)" });
        }
    });

// Routes the alerts by severity to Slack-compatible webhooks (Alerting__SlackWebhookUrl, Alerting__PagerWebhookUrl).
var alertmanager = builder.AddAlertmanager("alertmanager");

// Scrapes every service and RabbitMQ, evaluates observability/rules, sends the alerts to Alertmanager.
var prometheus = builder.AddPrometheus("prometheus")
    .WithScrapeTargets(stock, wallet, coupon, order, notification, gateway)
    .WithScrapeTargets(rabbitMq)
    .WithAlertmanager(alertmanager);

// The operators' page: incident tiles, the alerts, live figures, and the notifications Alertmanager sent.
var operations = builder.AddProject<Projects.Operations>("operations")
    .WithReference(prometheus).WaitFor(prometheus)
    .WithAspireDashboardLink(commerce)
    .AsCommerceService(commerce)
    .WithUrlForEndpoint("http", url => url.DisplayText = "Operations page");
alertmanager.WithLocalReceiver(operations, "/api/alert-notifications");

builder.Build().Run();
