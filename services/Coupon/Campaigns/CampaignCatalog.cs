using System.Data.Common;
using Npgsql;

namespace Commerce.Coupon.Campaigns;

/// <summary>Creates and reads campaigns in PostgreSQL; who holds a coupon is changed only by issuance and redemption.</summary>
public sealed class CampaignCatalog(NpgsqlDataSource db)
{
    private const string ViewColumns =
        """
        c.id, c.name, c.discount_amount, c.total_quantity,
        (SELECT count(*) FROM coupon_issues i WHERE i.coupon_id = c.id), c.starts_at, c.ends_at
        """;

    public async Task<CampaignView> CreateAsync(NewCampaign campaign, CancellationToken cancellationToken)
    {
        await using var insert = db.CreateCommand(
            $"""
            WITH c AS (
                INSERT INTO coupons (id, name, discount_amount, total_quantity, starts_at, ends_at)
                VALUES (@id, @name, @discount, @total, @starts, @ends)
                RETURNING *)
            SELECT c.id, c.name, c.discount_amount, c.total_quantity, 0::bigint, c.starts_at, c.ends_at FROM c
            """);
        insert.Parameters.AddWithValue("id", Guid.CreateVersion7());
        insert.Parameters.AddWithValue("name", campaign.Name!.Trim());
        insert.Parameters.AddWithValue("discount", campaign.DiscountAmount!.Value);
        insert.Parameters.AddWithValue("total", (int)campaign.TotalQuantity!.Value);
        // Npgsql writes timestamptz only from UTC values.
        insert.Parameters.AddWithValue("starts", NpgsqlTypes.NpgsqlDbType.TimestampTz, (object?)campaign.StartsAt?.ToUniversalTime() ?? DBNull.Value);
        insert.Parameters.AddWithValue("ends", NpgsqlTypes.NpgsqlDbType.TimestampTz, (object?)campaign.EndsAt?.ToUniversalTime() ?? DBNull.Value);
        await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Read(reader);
    }

    public async Task<CampaignView?> FindAsync(Guid couponId, CancellationToken cancellationToken)
    {
        await using var find = db.CreateCommand($"SELECT {ViewColumns} FROM coupons c WHERE c.id = @id");
        find.Parameters.AddWithValue("id", couponId);
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>
    /// Campaigns that can still be issued or have just ended, newest first, with their issued counts: a small query the
    /// upkeep runs every few seconds, never one per request or per scrape.
    /// </summary>
    public async Task<IReadOnlyList<CampaignView>> RecentAsync(int limit, CancellationToken cancellationToken)
    {
        await using var recent = db.CreateCommand(
            $"""
            SELECT {ViewColumns} FROM coupons c
            WHERE c.ends_at IS NULL OR c.ends_at > now() - interval '1 hour'
            ORDER BY c.created_at DESC LIMIT @limit
            """);
        recent.Parameters.AddWithValue("limit", limit);
        await using var reader = await recent.ExecuteReaderAsync(cancellationToken);
        var campaigns = new List<CampaignView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            campaigns.Add(Read(reader));
        }

        return campaigns;
    }

    /// <summary>Reads a row of (id, name, discount_amount, total_quantity, issued, starts_at, ends_at).</summary>
    private static CampaignView Read(DbDataReader reader)
    {
        var total = reader.GetInt32(3);
        var issued = reader.GetInt64(4);
        var window = CampaignWindow.Read(reader, 5);
        return new CampaignView(
            reader.GetGuid(0), reader.GetString(1), reader.GetInt64(2), total, issued, Math.Max(0, total - issued), window.StartsAt, window.EndsAt);
    }
}
