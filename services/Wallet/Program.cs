using Commerce.ServiceDefaults.Data;
using Commerce.ServiceDefaults.Messaging;
using Commerce.Wallet;
using Commerce.Wallet.Balances;
using Commerce.Wallet.Data;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<WalletDbContext>("walletdb");
builder.AddWalletServices();
builder.AddRabbitMqMessaging(bus => bus.AddWalletConsumers());

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapWalletEndpoints();

app.Run();
