using Commerce.Coupon;
using Commerce.Coupon.Campaigns;
using Commerce.Coupon.Data;
using Commerce.Coupon.Issuing;
using Commerce.Coupon.Redemption;
using Commerce.ServiceDefaults.Data;
using Commerce.ServiceDefaults.Messaging;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddServiceDatabase<CouponDbContext>("coupondb");
builder.AddServiceRedis();
builder.AddCouponServices();
builder.AddRabbitMqMessaging(bus => bus.AddCouponConsumers());

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapCampaignEndpoints();
app.MapIssueEndpoints();
app.MapMyCouponEndpoints();

app.Run();
