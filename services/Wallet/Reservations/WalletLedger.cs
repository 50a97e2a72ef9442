using Commerce.Contracts;
using Commerce.ServiceDefaults.Errors;
using Commerce.Wallet.Balances;
using Npgsql;
using NpgsqlTypes;

namespace Commerce.Wallet.Reservations;

/// <summary>
/// The one place that changes wallets. An order's money is taken from the balance at once, and only the saga's
/// compensation gives it back: no capture round per order. Every change is a short transaction that writes its ledger
/// row (keyed by order and kind, or by user and Idempotency-Key) together with the balance update, so a redelivered
/// message or a repeated request finds its row already there and changes nothing. The check constraint keeps <c>0 ≤ reserved ≤ balance</c>.
/// </summary>
public sealed class WalletLedger(NpgsqlDataSource db, WalletMetrics metrics, ILogger<WalletLedger> logger)
{
    private const string Deposit = "deposit";
    private const string Reserve = "reserve";
    private const string Release = "release";
    private const string Pending = "pending";
    private const string Applied = "applied";
    private const string Tombstone = "tombstone";
    private const string Refused = "refused";
    private const string NothingHeld = "nothing_held";

    /// <summary>The ledger's unique key per (order, kind): a second delivery's claim fails on it.</summary>
    private const string StepKey = "ux_wallet_ledger_order_kind";

    public async Task<WalletView> ReadAsync(string userId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await ReadWalletAsync(connection, userId, cancellationToken);
    }

    /// <summary>
    /// Deposits once per (user, Idempotency-Key). A concurrent copy waits on the key's unique index until the first
    /// commits and then answers the wallet as it is; the same key with another amount is refused.
    /// </summary>
    public async Task<DepositOutcome> DepositAsync(string userId, string idempotencyKey, long amount, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using (var record = new NpgsqlCommand(
            """
            INSERT INTO wallet_ledger (user_id, idempotency_key, kind, amount, outcome)
            VALUES (@user, @key, 'deposit', @amount, 'applied')
            ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL
            DO UPDATE SET deliveries = wallet_ledger.deliveries + 1
            RETURNING deliveries, amount
            """, connection))
        {
            record.Parameters.AddWithValue("user", userId);
            record.Parameters.AddWithValue("key", idempotencyKey);
            record.Parameters.AddWithValue("amount", amount);
            long firstAmount;
            int deliveries;
            await using (var reader = await record.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                deliveries = reader.GetInt32(0);
                firstAmount = reader.GetInt64(1);
            }

            // Rows are committed only with their deposit, so a second delivery means the key already deposited.
            if (deliveries > 1)
            {
                var current = await ReadWalletAsync(connection, userId, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Deposit {Key} of user {UserId} repeated; nothing deposited", idempotencyKey, userId);
                return new DepositOutcome(current, Repeated: true, KeyReused: firstAmount != amount);
            }
        }

        await using var credit = new NpgsqlCommand(
            """
            INSERT INTO wallets (user_id, balance, reserved) VALUES (@user, @amount, 0)
            ON CONFLICT (user_id) DO UPDATE SET balance = wallets.balance + EXCLUDED.balance, updated_at = now()
            RETURNING balance, reserved
            """, connection);
        credit.Parameters.AddWithValue("user", userId);
        credit.Parameters.AddWithValue("amount", amount);
        WalletView wallet;
        await using (var reader = await credit.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            wallet = WalletView.Of(reader.GetInt64(0), reader.GetInt64(1));
        }

        await transaction.CommitAsync(cancellationToken);
        return new DepositOutcome(wallet, Repeated: false, KeyReused: false);
    }

    /// <summary>
    /// Takes the amount if the user has it available: one conditional update (<c>balance - reserved &gt;= amount</c>),
    /// so concurrent orders can never together take more than the balance. The claim of the step's row, the take and
    /// the outcome go in one round trip that is also their transaction.
    /// </summary>
    public async Task<FundsOutcome> ReserveAsync(Guid orderId, string? userId, long amount, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var wellFormed = Ids.IsWellFormed(userId) && amount >= 0;
        string outcome;
        try
        {
            if (!wellFormed)
            {
                outcome = await ClaimReservationAsync(connection, orderId, userId: null, amount: 0, FundsOutcomes.InsufficientFunds, cancellationToken);
                logger.LogError("Order {OrderId}: cannot reserve {Amount} for user '{UserId}'; refused", orderId, amount, userId);
            }
            else if (amount == 0)
            {
                // A fully discounted order takes nothing, and its user may never have deposited.
                outcome = await ClaimReservationAsync(connection, orderId, userId, amount, FundsOutcomes.Reserved, cancellationToken);
            }
            else
            {
                outcome = await TakeAsync(connection, orderId, userId!, amount, cancellationToken);
            }
        }
        catch (PostgresException taken) when (taken is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: StepKey })
        {
            // The step's row was there (a redelivery, a copy that waited for the first one's commit, or a release's
            // tombstone): the whole batch rolled back, and the answer is the one the row records.
            var replay = await ReplayReservationAsync(connection, orderId, cancellationToken);
            metrics.Reservation(replay.Duplicate ? FundsOutcomes.Duplicate : replay.FailureReason ?? FundsOutcomes.Reserved);
            return replay;
        }

        metrics.Reservation(outcome);
        if (outcome != FundsOutcomes.Reserved)
        {
            logger.LogInformation("Order {OrderId}: {Amount} not taken from user {UserId} ({Reason})", orderId, amount, userId, outcome);
            return FundsOutcome.Failed(outcome, duplicate: false);
        }

        return FundsOutcome.Reserved(duplicate: false);
    }

    /// <summary>
    /// Claims the step's row, then takes the money if it is there and records which, sent together without a transaction
    /// of our own: PostgreSQL runs a batch as one implicit transaction, so a second delivery's failed claim rolls back all.
    /// </summary>
    private static async Task<string> TakeAsync(NpgsqlConnection connection, Guid orderId, string userId, long amount, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(ClaimReservation(orderId, userId, amount, Pending));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            WITH taken AS (
                UPDATE wallets SET balance = balance - $2, updated_at = now()
                WHERE user_id = $1 AND balance - reserved >= $2
                RETURNING user_id
            )
            UPDATE wallet_ledger
            SET outcome = CASE WHEN EXISTS (SELECT FROM taken) THEN '{FundsOutcomes.Reserved}' ELSE '{FundsOutcomes.InsufficientFunds}' END
            WHERE order_id = $3 AND kind = '{Reserve}'
            RETURNING outcome
            """)
        {
            Parameters = { new() { Value = userId }, new() { Value = amount }, new() { Value = orderId } },
        });
        return (string)(await batch.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<string> ClaimReservationAsync(
        NpgsqlConnection connection, Guid orderId, string? userId, long amount, string outcome, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { ClaimReservation(orderId, userId, amount, outcome) } };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return outcome;
    }

    /// <summary>The reservation's ledger row; no ON CONFLICT, so a second delivery fails here and rolls its batch back.</summary>
    private static NpgsqlBatchCommand ClaimReservation(Guid orderId, string? userId, long amount, string outcome) =>
        new($"INSERT INTO wallet_ledger (order_id, kind, user_id, amount, outcome) VALUES ($1, '{Reserve}', $2, $3, $4)")
        {
            Parameters =
            {
                new() { Value = orderId },
                new() { Value = (object?)userId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = amount },
                new() { Value = outcome },
            },
        };

    /// <summary>
    /// Gives the money taken for the order back, once. A release that arrives before its reservation leaves a tombstone,
    /// so the late reservation takes nothing.
    /// </summary>
    public async Task<Settlement> ReleaseAsync(Guid orderId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        if (!await ClaimStepAsync(connection, Release, orderId, userId: null, amount: 0, cancellationToken))
        {
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Order {OrderId}: release already recorded; nothing changed", orderId);
            return Settlement.Duplicate;
        }

        if (await TakeReservationSlotAsync(connection, orderId, cancellationToken))
        {
            // The saga gave up on this order before its reservation arrived: taking the reservation's slot now means
            // the late ReserveFunds finds it and takes nothing.
            await SetOutcomeAsync(connection, Release, orderId, userId: null, amount: null, Tombstone, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            logger.LogWarning("Order {OrderId}: release arrived before its reservation; a later reservation will take nothing", orderId);
            return Settlement.Tombstoned;
        }

        // The conditional update marks the reservation released exactly once, whatever copies race for it.
        await using var settle = new NpgsqlCommand(
            """
            UPDATE wallet_ledger SET settled_by = 'release'
            WHERE order_id = @order AND kind = 'reserve' AND outcome = 'reserved' AND settled_by IS NULL
            RETURNING user_id, amount
            """, connection);
        settle.Parameters.AddWithValue("order", orderId);
        string? userId = null;
        long amount = 0;
        await using (var reader = await settle.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                userId = reader.GetString(0);
                amount = reader.GetInt64(1);
            }
        }

        if (userId is null)
        {
            var (outcome, settledBy) = await ReadReservationAsync(connection, orderId, cancellationToken);
            // Nothing is applied, but the step row records the refusal, so a redelivery of it is a duplicate too.
            if (outcome == FundsOutcomes.InsufficientFunds)
            {
                await SetOutcomeAsync(connection, Release, orderId, userId: null, amount: null, NothingHeld, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Order {OrderId}: release of a reservation that failed; nothing held", orderId);
                return Settlement.NothingHeld;
            }

            await SetOutcomeAsync(connection, Release, orderId, userId: null, amount: null, Refused, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            logger.LogWarning(
                "Order {OrderId}: release refused (reservation {Outcome}, settled by {SettledBy}); nothing changed",
                orderId, outcome ?? "missing", settledBy ?? "nothing");
            return Settlement.Refused;
        }

        if (amount > 0)
        {
            await using var giveBack = new NpgsqlCommand(
                "UPDATE wallets SET balance = balance + @amount, updated_at = now() WHERE user_id = @user", connection);
            giveBack.Parameters.AddWithValue("user", userId);
            giveBack.Parameters.AddWithValue("amount", amount);
            await giveBack.ExecuteNonQueryAsync(cancellationToken);
        }

        await SetOutcomeAsync(connection, Release, orderId, userId, amount, Applied, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogDebug("Order {OrderId}: release of {Amount} for user {UserId} applied", orderId, amount, userId);
        return Settlement.Applied;
    }

    /// <summary>
    /// Records that the step's message arrived; true only for the first delivery (its row is still pending). A copy that
    /// arrives while the first is in flight waits on the row until the first commits, then counts as a redelivery.
    /// </summary>
    private static async Task<bool> ClaimStepAsync(
        NpgsqlConnection connection, string kind, Guid orderId, string? userId, long amount, CancellationToken cancellationToken)
    {
        await using var claim = new NpgsqlCommand(
            """
            INSERT INTO wallet_ledger (order_id, kind, user_id, amount, outcome) VALUES (@order, @kind, @user, @amount, 'pending')
            ON CONFLICT (order_id, kind) WHERE order_id IS NOT NULL DO UPDATE SET deliveries = wallet_ledger.deliveries + 1
            RETURNING outcome
            """, connection);
        claim.Parameters.AddWithValue("order", orderId);
        claim.Parameters.AddWithValue("kind", kind);
        claim.Parameters.Add(new NpgsqlParameter("user", NpgsqlDbType.Text) { Value = (object?)userId ?? DBNull.Value });
        claim.Parameters.AddWithValue("amount", amount);
        // A committed row always has its final outcome, so 'pending' can only be the row this statement inserted.
        return (string?)await claim.ExecuteScalarAsync(cancellationToken) == Pending;
    }

    /// <summary>Takes a reservation's slot before its ReserveFunds arrived (a tombstone); false when it already arrived.</summary>
    private static async Task<bool> TakeReservationSlotAsync(NpgsqlConnection connection, Guid orderId, CancellationToken cancellationToken)
    {
        await using var take = new NpgsqlCommand(
            """
            INSERT INTO wallet_ledger (order_id, kind, amount, outcome, settled_by, deliveries)
            VALUES (@order, 'reserve', 0, @outcome, 'release', 0)
            ON CONFLICT (order_id, kind) WHERE order_id IS NOT NULL DO NOTHING
            """, connection);
        take.Parameters.AddWithValue("order", orderId);
        take.Parameters.AddWithValue("outcome", FundsOutcomes.InsufficientFunds);
        return await take.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static async Task SetOutcomeAsync(
        NpgsqlConnection connection, string kind, Guid orderId, string? userId, long? amount, string outcome, CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand(
            """
            UPDATE wallet_ledger SET outcome = @outcome, user_id = coalesce(@user, user_id), amount = coalesce(@amount, amount)
            WHERE order_id = @order AND kind = @kind
            """, connection);
        update.Parameters.AddWithValue("order", orderId);
        update.Parameters.AddWithValue("kind", kind);
        update.Parameters.AddWithValue("outcome", outcome);
        update.Parameters.Add(new NpgsqlParameter("user", NpgsqlDbType.Text) { Value = (object?)userId ?? DBNull.Value });
        update.Parameters.Add(new NpgsqlParameter("amount", NpgsqlDbType.Bigint) { Value = (object?)amount ?? DBNull.Value });
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// What the reservation's step row recorded, null when there is none; <paramref name="countDelivery"/> counts one more
    /// delivery of it in the same statement (a redelivery replaying the first answer).
    /// </summary>
    private static async Task<(string? Outcome, string? SettledBy)> ReadReservationAsync(
        NpgsqlConnection connection, Guid orderId, CancellationToken cancellationToken, bool countDelivery = false)
    {
        await using var read = new NpgsqlCommand(
            countDelivery
                ? $"UPDATE wallet_ledger SET deliveries = deliveries + 1 WHERE order_id = $1 AND kind = '{Reserve}' RETURNING outcome, settled_by"
                : $"SELECT outcome, settled_by FROM wallet_ledger WHERE order_id = $1 AND kind = '{Reserve}'",
            connection)
        {
            Parameters = { new() { Value = orderId } },
        };
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1))
            : (null, null);
    }

    /// <summary>The answer the first delivery gave, from the stored row.</summary>
    private async Task<FundsOutcome> ReplayReservationAsync(NpgsqlConnection connection, Guid orderId, CancellationToken cancellationToken)
    {
        var (outcome, settledBy) = await ReadReservationAsync(connection, orderId, cancellationToken, countDelivery: true);
        if (outcome == FundsOutcomes.Reserved)
        {
            logger.LogInformation("Order {OrderId}: fund reservation redelivered; answering as before", orderId);
            return FundsOutcome.Reserved(duplicate: true);
        }

        if (settledBy == Release)
        {
            // The tombstone a timed-out saga's release left: this is the reservation's first answer, not a replay.
            logger.LogWarning("Order {OrderId}: fund reservation arrived after its release; nothing held", orderId);
            return FundsOutcome.Failed(FundsOutcomes.InsufficientFunds, duplicate: false);
        }

        return FundsOutcome.Failed(outcome ?? FundsOutcomes.InsufficientFunds, duplicate: true);
    }

    private static async Task<WalletView> ReadWalletAsync(NpgsqlConnection connection, string userId, CancellationToken cancellationToken)
    {
        await using var read = new NpgsqlCommand("SELECT balance, reserved FROM wallets WHERE user_id = @user", connection);
        read.Parameters.AddWithValue("user", userId);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? WalletView.Of(reader.GetInt64(0), reader.GetInt64(1)) : WalletView.Of(0, 0);
    }
}

/// <summary>The outcomes a fund reservation is recorded and measured with; the failure is the saga's reason code.</summary>
public static class FundsOutcomes
{
    public const string Reserved = "reserved";
    public const string InsufficientFunds = RejectionReasons.InsufficientFunds;
    public const string Duplicate = "duplicate";
}

/// <summary>What a fund reservation answered.</summary>
public sealed record FundsOutcome(string? FailureReason, bool Duplicate)
{
    public static FundsOutcome Reserved(bool duplicate) => new(null, duplicate);

    public static FundsOutcome Failed(string reason, bool duplicate) => new(reason, duplicate);
}

/// <summary>What a deposit did: <paramref name="KeyReused"/> when the key was first used with another amount.</summary>
public sealed record DepositOutcome(WalletView Wallet, bool Repeated, bool KeyReused);

/// <summary>What a release did.</summary>
public enum Settlement
{
    Applied,
    Duplicate,
    Refused,
    NothingHeld,
    Tombstoned,
}
