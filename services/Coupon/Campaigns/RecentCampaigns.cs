namespace Commerce.Coupon.Campaigns;

/// <summary>The campaigns that can still be issued (or just ended), as the upkeep last read them from PostgreSQL.</summary>
public sealed class RecentCampaigns
{
    private volatile IReadOnlyList<CampaignView> snapshot = [];

    public IReadOnlyList<CampaignView> Snapshot => snapshot;

    public void Replace(IReadOnlyList<CampaignView> campaigns) => snapshot = campaigns;
}
