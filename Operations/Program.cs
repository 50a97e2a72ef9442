using Commerce.Operations;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddOperationsPage();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapOperationsPage();

app.Run();
