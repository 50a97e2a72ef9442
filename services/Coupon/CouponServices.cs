using Commerce.Coupon.Campaigns;
using Commerce.Coupon.Issuing;
using Commerce.Coupon.Redemption;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Commerce.Coupon;

/// <summary>The Coupon service's own parts: campaigns, issuance by the chosen strategy, redemption and their upkeep.</summary>
public static class CouponServices
{
    public static IHostApplicationBuilder AddCouponServices(this IHostApplicationBuilder builder)
    {
        var options = CouponOptions.From(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<CampaignCatalog>();
        builder.Services.AddSingleton<RecentCampaigns>();
        builder.Services.AddSingleton<CouponMetrics>();
        builder.Services.AddSingleton<CouponRedemptions>();
        builder.Services.AddSingleton<CouponGate>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SoldOutCampaigns>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SoldOutCampaigns>());
        builder.Services.AddSingleton<RedisGateIssuance>();
        builder.Services.AddSingleton<DbLockIssuance>();
        builder.Services.AddSingleton<ICouponIssuance>(services => options.IssueStrategy == IssueStrategy.DbLock
            ? services.GetRequiredService<DbLockIssuance>()
            : services.GetRequiredService<RedisGateIssuance>());
        builder.Services.AddHostedService<CampaignUpkeep>();
        return builder;
    }

    public static void AddCouponConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<RedeemCouponConsumer>();
        bus.AddConsumer<RestoreCouponConsumer>();
    }
}
