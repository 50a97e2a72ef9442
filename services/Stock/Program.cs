using Commerce.ServiceDefaults.Data;
using Commerce.ServiceDefaults.Messaging;
using Commerce.Stock;
using Commerce.Stock.Data;
using Commerce.Stock.Products;
using Commerce.Stock.Ranking;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<StockDbContext>("stockdb");
builder.AddServiceRedis();
builder.AddStockServices();
builder.AddRabbitMqMessaging(bus => bus.AddStockConsumers());

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapRankingEndpoints();
app.MapProductEndpoints();

// The load suites' calibration point: what a request through the Gateway costs with no work behind it.
app.MapGet("/api/ping", () => TypedResults.Text("pong"));

app.Run();
