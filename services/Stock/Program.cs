using Commerce.Stock.Data;
using Commerce.ServiceDefaults.Caching;
using Commerce.ServiceDefaults.Data;
using Commerce.ServiceDefaults.Messaging;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNpgsqlDbContext<StockDbContext>("stockdb");
builder.AddRedisClient();
builder.AddRabbitMqMessaging(consumers => { });

var app = builder.Build();

app.MapDefaultEndpoints();

// The load suites' calibration point: what a request through the Gateway costs with no work behind it.
app.MapGet("/api/ping", () => TypedResults.Text("pong"));

app.Run();
