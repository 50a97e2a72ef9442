namespace Commerce.Coupon.Issuing;

/// <summary>The <c>Coupons__*</c> settings.</summary>
public sealed record CouponOptions(IssueStrategy IssueStrategy, TimeSpan PendingGrace, TimeSpan UpkeepInterval)
{
    public static CouponOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Coupons");
        var strategyText = section["IssueStrategy"] ?? nameof(IssueStrategy.Redis);
        if (!Enum.TryParse<IssueStrategy>(strategyText, ignoreCase: true, out var strategy) || !Enum.IsDefined(strategy))
        {
            throw new InvalidOperationException($"Coupons:IssueStrategy must be Redis or DbLock, not '{strategyText}'.");
        }

        // Far longer than any issue request can take (pool wait + insert timeouts), so the sweeper never races one.
        var grace = TimeSpan.FromSeconds(section.GetValue("PendingGraceSeconds", 120));
        var interval = TimeSpan.FromSeconds(section.GetValue("UpkeepIntervalSeconds", 5));
        return new CouponOptions(strategy, grace, interval);
    }
}
