using Commerce.ServiceDefaults.Errors;
using Commerce.Coupon.Campaigns;
using Npgsql;
using StackExchange.Redis;

namespace Commerce.Coupon.Issuing;

/// <summary>
/// Every few seconds: refreshes the recent campaigns (the remaining-coupons gauge reads them) and, with the Redis gate,
/// records admissions left pending. At start, before that, it checks each recent campaign's gate against PostgreSQL and
/// rebuilds one that is missing or counts fewer issues than there are rows (Redis lost writes, or DbLock issued).
/// </summary>
public sealed class CampaignUpkeep(
    CampaignCatalog catalog,
    RecentCampaigns recent,
    CouponOptions options,
    IServiceProvider services,
    ILogger<CampaignUpkeep> logger) : BackgroundService
{
    private const int MaxCampaigns = 1_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var gate = options.IssueStrategy == IssueStrategy.Redis ? services.GetRequiredService<CouponGate>() : null;
        var issuance = gate is null ? null : services.GetRequiredService<RedisGateIssuance>();
        var gatesChecked = gate is null;
        using var timer = new PeriodicTimer(options.UpkeepInterval);
        do
        {
            try
            {
                var campaigns = await catalog.RecentAsync(MaxCampaigns, stoppingToken);
                recent.Replace(campaigns);
                var now = DateTimeOffset.UtcNow;
                foreach (var campaign in campaigns.Where(c => c.Window.EndsAt is null || c.Window.EndsAt > now))
                {
                    if (!gatesChecked)
                    {
                        await gate!.RebuildAsync(campaign.CouponId, verifyCount: true, stoppingToken);
                    }
                    else if (issuance is not null)
                    {
                        await issuance.SweepAsync(campaign.CouponId, options.PendingGrace, stoppingToken);
                    }
                }

                gatesChecked = true;
            }
            catch (Exception exception) when (Problems.TransientInfrastructureFailure(exception) is not null || exception is RedisException)
            {
                // Not fatal: the next tick tries again, and requests rebuild a gate they find missing themselves.
                logger.LogWarning(exception, "Coupon upkeep failed; trying again in {Interval}", options.UpkeepInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
