using Commerce.Contracts;
using Commerce.Coupon.Campaigns;
using Commerce.ServiceDefaults.Errors;
using Npgsql;
using NpgsqlTypes;

namespace Commerce.Coupon.Redemption;

/// <summary>What RedeemCoupon answers: a discount, or the reason it was refused.</summary>
public sealed record RedemptionAnswer(Guid? CouponId, long Discount, string? FailureReason, bool Replayed);

/// <summary>What RestoreCoupon did.</summary>
public enum Restoration
{
    Restored,
    NothingToRestore,
    Tombstoned,
}

/// <summary>
/// The one place that changes a coupon's status. Each order has one <c>coupon_redemptions</c> row, written in the same
/// transaction as the status change, so a redelivered RedeemCoupon or RestoreCoupon finds it and changes nothing, and
/// a RestoreCoupon that overtakes its RedeemCoupon leaves a tombstone that makes the late RedeemCoupon fail.
/// </summary>
public sealed class CouponRedemptions(NpgsqlDataSource db, ILogger<CouponRedemptions> logger)
{
    private const string Pending = "pending";
    private const string Redeemed = "redeemed";
    private const string Tombstone = "tombstone";

    public async Task<RedemptionAnswer> RedeemAsync(RedeemCoupon message, CancellationToken cancellationToken)
    {
        var userId = Ids.IsWellFormed(message.UserId) ? message.UserId : null;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // A concurrent copy of this message waits here until the first commits, then replays its answer.
        await using (var claim = new NpgsqlCommand(
            """
            INSERT INTO coupon_redemptions (order_id, coupon_id, user_id, outcome) VALUES (@order, @coupon, @user, 'pending')
            ON CONFLICT (order_id) DO UPDATE SET deliveries = coupon_redemptions.deliveries + 1
            RETURNING outcome, coupon_id, discount
            """, connection))
        {
            claim.Parameters.AddWithValue("order", message.OrderId);
            claim.Parameters.AddWithValue("coupon", message.CouponId);
            claim.Parameters.Add(new NpgsqlParameter("user", NpgsqlDbType.Varchar) { Value = (object?)userId ?? DBNull.Value });
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var outcome = reader.GetString(0);
            if (outcome != Pending)
            {
                var answer = Replay(message.OrderId, outcome, reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.IsDBNull(2) ? 0 : reader.GetInt64(2));
                await reader.DisposeAsync();
                await transaction.CommitAsync(cancellationToken);
                return answer;
            }
        }

        HeldCoupon? held = null;
        var now = DateTimeOffset.UtcNow;
        if (userId is not null)
        {
            await using var find = new NpgsqlCommand(
                """
                SELECT c.discount_amount, c.starts_at, c.ends_at, i.status, statement_timestamp()
                FROM coupon_issues i JOIN coupons c ON c.id = i.coupon_id
                WHERE i.coupon_id = @coupon AND i.user_id = @user
                FOR UPDATE OF i
                """, connection);
            find.Parameters.AddWithValue("coupon", message.CouponId);
            find.Parameters.AddWithValue("user", userId);
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                held = new HeldCoupon(
                    reader.GetInt64(0),
                    CampaignWindow.Read(reader, 1),
                    Used: reader.GetString(3) == "used");
                now = reader.GetFieldValue<DateTimeOffset>(4);
            }
        }

        var refusal = RedemptionRules.Refusal(held, now);
        var discount = refusal is null ? RedemptionRules.Discount(held!.DiscountAmount, message.Subtotal) : 0;
        if (refusal is null)
        {
            await using var use = new NpgsqlCommand(
                """
                UPDATE coupon_issues SET status = 'used', order_id = @order, used_at = now()
                WHERE coupon_id = @coupon AND user_id = @user
                """, connection);
            use.Parameters.AddWithValue("order", message.OrderId);
            use.Parameters.AddWithValue("coupon", message.CouponId);
            use.Parameters.AddWithValue("user", userId!);
            await use.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var record = new NpgsqlCommand(
            "UPDATE coupon_redemptions SET outcome = @outcome, discount = @discount WHERE order_id = @order", connection))
        {
            record.Parameters.AddWithValue("order", message.OrderId);
            record.Parameters.AddWithValue("outcome", refusal ?? Redeemed);
            record.Parameters.AddWithValue("discount", discount);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (refusal is not null)
        {
            logger.LogInformation("Order {OrderId}: coupon {CouponId} of {UserId} refused ({Reason})",
                message.OrderId, message.CouponId, message.UserId, refusal);
            return new RedemptionAnswer(null, 0, refusal, Replayed: false);
        }

        return new RedemptionAnswer(message.CouponId, discount, null, Replayed: false);
    }

    /// <summary>Gives the order's coupon back to its owner, once; before its RedeemCoupon, leaves a tombstone instead.</summary>
    public async Task<Restoration> RestoreAsync(Guid orderId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using (var tombstone = new NpgsqlCommand(
            """
            INSERT INTO coupon_redemptions (order_id, outcome, restored_at, deliveries) VALUES (@order, 'tombstone', now(), 0)
            ON CONFLICT (order_id) DO NOTHING
            """, connection))
        {
            tombstone.Parameters.AddWithValue("order", orderId);
            if (await tombstone.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                await transaction.CommitAsync(cancellationToken);
                logger.LogWarning("Order {OrderId}: RestoreCoupon arrived before RedeemCoupon; a late RedeemCoupon will be refused", orderId);
                return Restoration.Tombstoned;
            }
        }

        // Only the first restore of a redeemed coupon finds restored_at empty: a second one changes nothing.
        Guid couponId;
        string userId;
        await using (var settle = new NpgsqlCommand(
            """
            UPDATE coupon_redemptions SET restored_at = now()
            WHERE order_id = @order AND outcome = 'redeemed' AND restored_at IS NULL
            RETURNING coupon_id, user_id
            """, connection))
        {
            settle.Parameters.AddWithValue("order", orderId);
            await using var reader = await settle.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                await reader.DisposeAsync();
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Order {OrderId}: no redeemed coupon to restore; nothing changed", orderId);
                return Restoration.NothingToRestore;
            }

            couponId = reader.GetGuid(0);
            userId = reader.GetString(1);
        }

        await using (var giveBack = new NpgsqlCommand(
            """
            UPDATE coupon_issues SET status = 'issued', order_id = NULL, used_at = NULL
            WHERE coupon_id = @coupon AND user_id = @user AND order_id = @order
            """, connection))
        {
            giveBack.Parameters.AddWithValue("coupon", couponId);
            giveBack.Parameters.AddWithValue("user", userId);
            giveBack.Parameters.AddWithValue("order", orderId);
            await giveBack.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Order {OrderId}: coupon {CouponId} given back to {UserId}", orderId, couponId, userId);
        return Restoration.Restored;
    }

    /// <summary>The user's coupons, newest first.</summary>
    public async Task<IReadOnlyList<MyCoupon>> MineAsync(string userId, CancellationToken cancellationToken)
    {
        await using var mine = db.CreateCommand(
            """
            SELECT i.coupon_id, c.name, c.discount_amount, i.status, i.order_id
            FROM coupon_issues i JOIN coupons c ON c.id = i.coupon_id
            WHERE i.user_id = @user
            ORDER BY i.issued_at DESC, i.coupon_id
            """);
        mine.Parameters.AddWithValue("user", userId);
        await using var reader = await mine.ExecuteReaderAsync(cancellationToken);
        var coupons = new List<MyCoupon>();
        while (await reader.ReadAsync(cancellationToken))
        {
            coupons.Add(new MyCoupon(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.GetInt64(2),
                reader.GetString(3) == "used" ? MyCoupon.Used : MyCoupon.Issued,
                reader.IsDBNull(4) ? null : reader.GetGuid(4)));
        }

        return coupons;
    }

    private RedemptionAnswer Replay(Guid orderId, string outcome, Guid? couponId, long discount)
    {
        switch (outcome)
        {
            case Redeemed:
                logger.LogInformation("Order {OrderId}: RedeemCoupon redelivered; answering as before", orderId);
                return new RedemptionAnswer(couponId, discount, null, Replayed: true);
            case Tombstone:
                logger.LogWarning("Order {OrderId}: RedeemCoupon after its RestoreCoupon; refused as coupon_not_active", orderId);
                return new RedemptionAnswer(null, 0, RejectionReasons.CouponNotActive, Replayed: true);
            default:
                return new RedemptionAnswer(null, 0, outcome, Replayed: true);
        }
    }
}
