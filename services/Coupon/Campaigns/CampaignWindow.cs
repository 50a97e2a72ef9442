using System.Data.Common;

namespace Commerce.Coupon.Campaigns;

/// <summary>When a campaign's coupons can be issued and used: from <c>startsAt</c> (inclusive) to <c>endsAt</c> (exclusive), open-ended when absent.</summary>
public readonly record struct CampaignWindow(DateTimeOffset? StartsAt, DateTimeOffset? EndsAt)
{
    /// <summary>What the Redis gate stores for an open end: 9999-12-31, far beyond any campaign and exact in a Lua number.</summary>
    public const long OpenEndMilliseconds = 253_402_300_799_999;

    public bool IsOpenAt(DateTimeOffset now) => (StartsAt is null || now >= StartsAt) && (EndsAt is null || now < EndsAt);

    public long StartsAtMilliseconds => StartsAt?.ToUnixTimeMilliseconds() ?? 0;

    public long EndsAtMilliseconds => EndsAt?.ToUnixTimeMilliseconds() ?? OpenEndMilliseconds;

    /// <summary>Reads <c>starts_at, ends_at</c> from two consecutive columns, the first at <paramref name="startsAtOrdinal"/>.</summary>
    public static CampaignWindow Read(DbDataReader reader, int startsAtOrdinal) => new(
        reader.IsDBNull(startsAtOrdinal) ? null : reader.GetFieldValue<DateTimeOffset>(startsAtOrdinal),
        reader.IsDBNull(startsAtOrdinal + 1) ? null : reader.GetFieldValue<DateTimeOffset>(startsAtOrdinal + 1));
}
