using Commerce.Order;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddOrderService();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapOrderApi();

app.Run();
