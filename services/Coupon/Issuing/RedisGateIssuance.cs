using Commerce.ServiceDefaults.Errors;
using Npgsql;
using StackExchange.Redis;

namespace Commerce.Coupon.Issuing;

/// <summary>
/// Issuance through the Redis gate (the default): the gate decides in one script; only an admitted user costs a
/// database write, and the 201 is sent only after that row is committed, so the promise survives any restart.
/// </summary>
public sealed class RedisGateIssuance(CouponGate gate, SoldOutCampaigns soldOut, NpgsqlDataSource db, ILogger<RedisGateIssuance> logger)
    : ICouponIssuance
{
    private const int Attempts = 3;

    // Bounds how long an admitted request can still insert: far below the sweeper's grace (CouponOptions).
    private const int RecordTimeoutSeconds = 10;

    public async Task<IssueResult> IssueAsync(Guid couponId, string userId)
    {
        // After a rush most requests ask for a campaign that is sold out: this process answers those from memory.
        if (soldOut.Answer(couponId, userId) is { } remembered)
        {
            return remembered;
        }

        try
        {
            for (var attempt = 1; attempt <= Attempts; attempt++)
            {
                var admission = await gate.AdmitAsync(couponId, userId);
                switch (admission.Kind)
                {
                    case AdmissionKind.AlreadyIssued:
                        return IssueResult.AlreadyIssued;
                    case AdmissionKind.AlreadyPending:
                        // The 409 promises a coupon, and a pending admission is only Redis's word: a Redis restart
                        // before the sweeper records it would drop it. So it is recorded below like a new admission
                        // (the original request's insert then finds the row and still answers 201).
                        break;
                    case AdmissionKind.SoldOut:
                        soldOut.Remember(couponId);
                        return IssueResult.SoldOut;
                    case AdmissionKind.NotActive:
                        return IssueResult.NotActive;
                    case AdmissionKind.Stale:
                        // Nothing was taken: make the gate current from PostgreSQL, then ask it again.
                        if (!await gate.RebuildAsync(couponId, verifyCount: false, CancellationToken.None))
                        {
                            return IssueResult.NotFound;
                        }

                        continue;
                }

                if (await RecordAsync(couponId, userId, admission.Epoch) is { } issuedAt)
                {
                    await gate.SettleAsync(couponId, userId);
                    return admission.Kind == AdmissionKind.AlreadyPending ? IssueResult.AlreadyIssued : IssueResult.Issued(issuedAt);
                }

                // The campaign's gate was rebuilt after this admission: it does not count this user, so neither may
                // PostgreSQL. Ask the current gate again.
                await gate.InvalidateAsync(couponId, admission.Epoch);
                logger.LogInformation("Coupon {CouponId}: admission of {UserId} at epoch {Epoch} fenced out; asking again",
                    couponId, userId, admission.Epoch);
            }

            return IssueResult.Unavailable;
        }
        catch (Exception exception) when (exception is RedisException or NpgsqlException || Problems.TransientInfrastructureFailure(exception) is not null)
        {
            // One line, no stack: while Redis or PostgreSQL is away this happens to every request.
            logger.LogWarning("Coupon {CouponId}: issue for {UserId} not answered ({Error}: {Message})",
                couponId, userId, exception.GetType().Name, exception.Message);
            return IssueResult.Unavailable;
        }
    }

    public async Task PrepareAsync(Guid couponId, CancellationToken cancellationToken) =>
        await gate.RebuildAsync(couponId, verifyCount: false, cancellationToken);

    /// <summary>
    /// Records the admitted user's coupon; null when the admission's epoch is no longer current (fenced out). The
    /// request's own cancellation is deliberately not used: a client hanging up must not leave the gate and the
    /// database disagreeing. If both tries fail, the admission stays pending and <see cref="SweepAsync"/> records it
    /// later: undoing it instead could be wrong, since a failed commit may still have committed.
    /// </summary>
    private async Task<DateTimeOffset?> RecordAsync(Guid couponId, string userId, long epoch)
    {
        try
        {
            return await TryRecordAsync(couponId, userId, epoch);
        }
        catch (NpgsqlException exception) when (exception.IsTransient)
        {
            logger.LogWarning(exception, "Coupon {CouponId}: recording {UserId} failed; trying once more", couponId, userId);
            return await TryRecordAsync(couponId, userId, epoch);
        }
    }

    private async Task<DateTimeOffset?> TryRecordAsync(Guid couponId, string userId, long epoch)
    {
        await using var connection = await db.OpenConnectionAsync();
        // FOR KEY SHARE on the campaign row lets issues run side by side but not past a rebuild's FOR UPDATE; after one,
        // the epoch test sees the new epoch and inserts nothing.
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO coupon_issues (coupon_id, user_id, status)
            SELECT c.id, @user, 'issued' FROM coupons c WHERE c.id = @coupon AND c.gate_epoch = @epoch FOR KEY SHARE
            ON CONFLICT (coupon_id, user_id) DO NOTHING
            RETURNING issued_at
            """, connection))
        {
            insert.CommandTimeout = RecordTimeoutSeconds;
            insert.Parameters.AddWithValue("coupon", couponId);
            insert.Parameters.AddWithValue("user", userId);
            insert.Parameters.AddWithValue("epoch", epoch);
            // timestamptz comes back as a UTC DateTime.
            if (await insert.ExecuteScalarAsync() is DateTime issuedAt)
            {
                return new DateTimeOffset(issuedAt);
            }
        }

        // Nothing inserted: the row may already be there (the sweeper recorded it), or the epoch moved on.
        await using var existing = new NpgsqlCommand(
            "SELECT issued_at FROM coupon_issues WHERE coupon_id = @coupon AND user_id = @user", connection);
        existing.CommandTimeout = RecordTimeoutSeconds;
        existing.Parameters.AddWithValue("coupon", couponId);
        existing.Parameters.AddWithValue("user", userId);
        return await existing.ExecuteScalarAsync() is DateTime existingAt ? new DateTimeOffset(existingAt) : null;
    }

    /// <summary>
    /// Records every admission still pending after <paramref name="grace"/> (its process died between the gate and the
    /// insert, or the database was away): the gate counted that user, so the coupon is theirs, and their retry already
    /// answers 409. Returns how many it recorded.
    /// </summary>
    public async Task<int> SweepAsync(Guid couponId, TimeSpan grace, CancellationToken cancellationToken)
    {
        var (epoch, users) = await gate.StalePendingAsync(couponId, grace, limit: 500);
        var recorded = 0;
        foreach (var userId in users)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await TryRecordAsync(couponId, userId, epoch) is not null)
            {
                await gate.SettleAsync(couponId, userId);
                recorded++;
                logger.LogWarning("Coupon {CouponId}: admission of {UserId} had no row after {Grace}; recorded it", couponId, userId, grace);
            }
            else
            {
                // Fenced out: PostgreSQL's epoch is not this gate's, so the gate must be rebuilt (which clears pending).
                await gate.InvalidateAsync(couponId, epoch);
                break;
            }
        }

        return recorded;
    }
}
