using System.Text.Json.Serialization;

namespace Commerce.Coupon.Campaigns;

/// <summary>The body of <c>POST /api/admin/coupons</c>.</summary>
public sealed record NewCampaign(string? Name, long? DiscountAmount, long? TotalQuantity, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt)
{
    public const int MaxNameLength = 200;
    public const long MaxDiscountAmount = 100_000_000;
    public const long MaxTotalQuantity = 10_000_000;

    /// <summary>The first field that is wrong and why, or null when the campaign can be created.</summary>
    public static (string Field, string Message)? Check(NewCampaign? campaign)
    {
        if (campaign is null)
        {
            return ("body", "a JSON body {\"name\",\"discountAmount\",\"totalQuantity\",\"startsAt\"?,\"endsAt\"?} is required.");
        }

        if (string.IsNullOrWhiteSpace(campaign.Name) || campaign.Name.Trim().Length > MaxNameLength)
        {
            return ("name", $"must be 1-{MaxNameLength} characters and not blank.");
        }

        if (campaign.DiscountAmount is not (>= 1 and <= MaxDiscountAmount))
        {
            return ("discountAmount", $"must be a whole number of KRW from 1 to {MaxDiscountAmount:N0}.");
        }

        if (campaign.TotalQuantity is not (>= 1 and <= MaxTotalQuantity))
        {
            return ("totalQuantity", $"must be a whole number from 1 to {MaxTotalQuantity:N0}.");
        }

        if (campaign.StartsAt is { } startsAt && campaign.EndsAt is { } endsAt && endsAt <= startsAt)
        {
            return ("endsAt", "must be later than startsAt.");
        }

        return null;
    }
}

/// <summary>A campaign as <c>GET /api/coupons/{couponId}</c> shows it; <c>issued</c> is counted in PostgreSQL, the truth.</summary>
public sealed record CampaignView(
    Guid CouponId,
    string Name,
    long DiscountAmount,
    int TotalQuantity,
    long Issued,
    long Remaining,
    DateTimeOffset? StartsAt,
    DateTimeOffset? EndsAt)
{
    [JsonIgnore]
    public CampaignWindow Window => new(StartsAt, EndsAt);
}
