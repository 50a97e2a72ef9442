using Commerce.Coupon.Campaigns;
using Npgsql;

namespace Commerce.Coupon.Issuing;

/// <summary>
/// The 2025-02-27 incident on purpose (<c>Coupons__IssueStrategy=DbLock</c>): every request, refusals included, queues
/// for <c>SELECT ... FOR UPDATE</c> on the campaign row and checks and inserts inside that transaction. The answers and
/// the guarantees are the gate's; the speed is the old one.
/// </summary>
public sealed class DbLockIssuance(NpgsqlDataSource db, ILogger<DbLockIssuance> logger) : ICouponIssuance
{
    public async Task<IssueResult> IssueAsync(Guid couponId, string userId)
    {
        try
        {
            return await IssueUnderLockAsync(couponId, userId);
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            logger.LogWarning("Coupon {CouponId}: issue for {UserId} under the row lock not answered ({Error}: {Message})",
                couponId, userId, exception.GetType().Name, exception.Message);
            return IssueResult.Unavailable;
        }
    }

    public Task PrepareAsync(Guid couponId, CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<IssueResult> IssueUnderLockAsync(Guid couponId, string userId)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        int total;
        CampaignWindow window;
        DateTimeOffset now;
        await using (var lockRow = new NpgsqlCommand(
            "SELECT total_quantity, starts_at, ends_at, clock_timestamp() FROM coupons WHERE id = @id FOR UPDATE", connection))
        {
            lockRow.Parameters.AddWithValue("id", couponId);
            await using var reader = await lockRow.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                return IssueResult.NotFound;
            }

            total = reader.GetInt32(0);
            window = CampaignWindow.Read(reader, 1);
            now = reader.GetFieldValue<DateTimeOffset>(3);
        }

        if (!window.IsOpenAt(now))
        {
            return IssueResult.NotActive;
        }

        await using (var mine = new NpgsqlCommand(
            "SELECT 1 FROM coupon_issues WHERE coupon_id = @id AND user_id = @user", connection))
        {
            mine.Parameters.AddWithValue("id", couponId);
            mine.Parameters.AddWithValue("user", userId);
            if (await mine.ExecuteScalarAsync() is not null)
            {
                return IssueResult.AlreadyIssued;
            }
        }

        // Counted under the row lock rather than kept in a counter column: issues recorded by the Redis strategy do not
        // touch the campaign row (that is the point of it), so a counter would be behind after switching strategies.
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM coupon_issues WHERE coupon_id = @id", connection))
        {
            count.Parameters.AddWithValue("id", couponId);
            if ((long)(await count.ExecuteScalarAsync())! >= total)
            {
                return IssueResult.SoldOut;
            }
        }

        DateTime issuedAt;
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO coupon_issues (coupon_id, user_id, status) VALUES (@id, @user, 'issued') RETURNING issued_at", connection))
        {
            insert.Parameters.AddWithValue("id", couponId);
            insert.Parameters.AddWithValue("user", userId);
            issuedAt = (DateTime)(await insert.ExecuteScalarAsync())!;
        }

        await transaction.CommitAsync();
        return IssueResult.Issued(new DateTimeOffset(issuedAt));
    }
}
