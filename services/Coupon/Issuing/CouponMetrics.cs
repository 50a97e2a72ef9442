using System.Diagnostics.Metrics;
using Commerce.Coupon.Campaigns;

namespace Commerce.Coupon.Issuing;

/// <summary>The <c>Commerce.Coupon</c> meter: how issue requests end, and how many coupons each recent campaign has left.</summary>
public sealed class CouponMetrics
{
    public const string MeterName = "Commerce.Coupon";

    private readonly Counter<long> issues;

    public CouponMetrics(IMeterFactory meters, RecentCampaigns recent)
    {
        var meter = meters.Create(MeterName);
        issues = meter.CreateCounter<long>(
            "commerce.coupon.issues", unit: "{request}",
            description: "Issue requests answered, by outcome (issued, already_issued, sold_out, not_active, not_found, unavailable).");
        // Read from the snapshot the upkeep refreshes every few seconds: a scrape never queries the database.
        meter.CreateObservableGauge(
            "commerce.coupon.remaining",
            () => recent.Snapshot.Select(campaign => new Measurement<long>(
                campaign.Remaining, new KeyValuePair<string, object?>("coupon_id", campaign.CouponId.ToString()))),
            unit: "{coupon}",
            description: "Coupons not yet issued, per recent campaign (PostgreSQL's count, a few seconds old at most).");
    }

    public void Issue(IssueOutcome outcome) => issues.Add(1, new KeyValuePair<string, object?>("outcome", IssueOutcomes.Tag(outcome)));
}
