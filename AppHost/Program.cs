using Commerce.AppHost.Hosting;

// The whole system, in .NET Aspire's model: infrastructure first, then each service with what it references,
// each waiting for what it needs to be healthy.
var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgres("postgres");
var orderDb = postgres.AddDatabase("orderdb");
var stockDb = postgres.AddDatabase("stockdb");
var walletDb = postgres.AddDatabase("walletdb");
var couponDb = postgres.AddDatabase("coupondb");
var notificationDb = postgres.AddDatabase("notificationdb");
var redis = builder.AddRedis("redis");
var rabbitMq = builder.AddRabbitMQ("rabbitmq");

var stock = builder.AddProject("stock", "services/Stock")
    .WithReference(stockDb).WithReference(redis).WithReference(rabbitMq);
var wallet = builder.AddProject("wallet", "services/Wallet")
    .WithReference(walletDb).WithReference(redis).WithReference(rabbitMq);
var coupon = builder.AddProject("coupon", "services/Coupon")
    .WithReference(couponDb).WithReference(redis).WithReference(rabbitMq);
var order = builder.AddProject("order", "services/Order")
    .WithReference(orderDb).WithReference(redis).WithReference(rabbitMq);
var notification = builder.AddProject("notification", "services/Notification")
    .WithReference(notificationDb).WithReference(redis).WithReference(rabbitMq);

builder.AddProject("gateway", "services/Gateway")
    .WithReference(stock).WithReference(wallet).WithReference(coupon).WithReference(order).WithReference(notification)
    .AsGateway();

// Where installed: scrapes all of the above and evaluates observability/rules (the dashboard shows its alerts).
builder.AddPrometheus("prometheus");

return await builder.Build().RunAsync();
