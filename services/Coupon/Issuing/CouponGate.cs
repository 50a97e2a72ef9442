using System.Collections.Frozen;
using Commerce.Coupon.Campaigns;
using Npgsql;
using StackExchange.Redis;

namespace Commerce.Coupon.Issuing;

/// <summary>The Redis keys of one campaign's gate; the <c>{id}</c> hash tag keeps them in one cluster slot, as a script needs.</summary>
public readonly record struct GateKeys(RedisKey Meta, RedisKey Users, RedisKey Issued, RedisKey Pending, RedisKey Building)
{
    public static GateKeys For(Guid couponId)
    {
        var prefix = $"coupon:{{{couponId:D}}}:";
        return new GateKeys(prefix + "meta", prefix + "users", prefix + "issued", prefix + "pending", prefix + "building");
    }
}

/// <summary>What the gate said to one request.</summary>
public readonly record struct Admission(AdmissionKind Kind, long Epoch = 0);

/// <summary>The gate's answers; <see cref="Stale"/> means it must be rebuilt from PostgreSQL before it can answer.</summary>
public enum AdmissionKind
{
    Admitted,
    AlreadyIssued,

    /// <summary>The user was admitted and their row may not be written yet (their first answer may have been lost).</summary>
    AlreadyPending,
    SoldOut,
    NotActive,
    Stale,
}

/// <summary>
/// The first-come-first-served gate in Redis: one atomic script per request decides, with no database work on the
/// refusal paths. PostgreSQL stays the truth (every 201 is a row there first); the gate is a fast copy of it that is
/// rebuilt from the rows whenever it may be missing or behind.
/// <para>
/// Why this is enough to keep <c>issued ≤ totalQuantity</c> across restarts: the gate stamps its state with the Redis
/// server's <c>run_id</c>, which changes on every Redis restart, so after a restart (that may have lost the last second
/// of AOF writes) no request is admitted until the gate is rebuilt from PostgreSQL. Each rebuild bumps the campaign's
/// <c>gate_epoch</c> under <c>SELECT ... FOR UPDATE</c>, and an issue is recorded only while the epoch it was admitted
/// under is current (<see cref="RedisGateIssuance"/>), so an admission by the old gate can never add a row the new gate
/// does not count. Admitted users are also kept in a pending set until their row is written, so one whose process died
/// in between is recorded later by the sweeper instead of being half issued.
/// </para>
/// </summary>
public sealed class CouponGate(IConnectionMultiplexer redis, NpgsqlDataSource db, ILogger<CouponGate> logger)
{
    private const int RebuildBatch = 1_000;

    // The Redis server's identity: a new value after every restart, whatever the AOF kept.
    private const string RunIdFunction =
        """
        local function currentRunId() return string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') end

        """;

    // Atomic so that no two requests can both see one coupon left, or one user twice: check and take are one step.
    private const string AdmitScript = RunIdFunction +
        """
        local meta = redis.call('HMGET', KEYS[1], 'runId', 'total', 'startsAt', 'endsAt', 'epoch')
        if meta[1] ~= currentRunId() then return {'stale'} end
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        if now < tonumber(meta[3]) or now >= tonumber(meta[4]) then return {'not_active'} end
        if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
          if redis.call('ZSCORE', KEYS[4], ARGV[1]) then return {'already_pending', meta[5]} end
          return {'already_issued'}
        end
        if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(meta[2]) then return {'sold_out'} end
        redis.call('SADD', KEYS[2], ARGV[1])
        redis.call('INCR', KEYS[3])
        redis.call('ZADD', KEYS[4], now, ARGV[1])
        return {'admitted', meta[5]}
        """;

    private const string IsCurrentScript = RunIdFunction +
        """
        if redis.call('HGET', KEYS[1], 'runId') ~= currentRunId() then return 0 end
        if tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[1]) then return 0 end
        return 1
        """;

    // The rebuild writes in batches; the building token (with the run id) lets a batch land only if nobody restarted
    // the rebuild and Redis did not restart meanwhile.
    // Published from the script itself, so no process can take a sold-out snapshot of the old gate after it (SoldOutCampaigns).
    private const string ResetScript = RunIdFunction +
        """
        redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
        redis.call('SET', KEYS[5], ARGV[1] .. ':' .. currentRunId())
        redis.call('PUBLISH', ARGV[2], ARGV[3])
        return 1
        """;

    private const string AppendScript = RunIdFunction +
        """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] .. ':' .. currentRunId() then return 0 end
        redis.call('SADD', KEYS[2], unpack(ARGV, 2))
        return 1
        """;

    private const string FinishScript = RunIdFunction +
        """
        local runId = currentRunId()
        if redis.call('GET', KEYS[1]) ~= ARGV[1] .. ':' .. runId then return -1 end
        local count = redis.call('SCARD', KEYS[2])
        redis.call('SET', KEYS[3], count)
        redis.call('HSET', KEYS[4], 'total', ARGV[2], 'startsAt', ARGV[3], 'endsAt', ARGV[4], 'epoch', ARGV[5], 'runId', runId)
        redis.call('DEL', KEYS[1])
        return count
        """;

    private const string InvalidateScript =
        """
        if redis.call('HGET', KEYS[1], 'epoch') == ARGV[1] then
          redis.call('DEL', KEYS[1])
          redis.call('PUBLISH', ARGV[2], ARGV[3])
          return 1
        end
        return 0
        """;

    // Holders of a campaign that is sold out on the current gate, with its window; empty when it is not (or not current),
    // or while an admission is still pending: a process answers its holders 409 from memory, and a pending admission
    // is not a coupon until its row is written (a rebuild after a Redis restart drops it).
    private const string SoldOutSnapshotScript = RunIdFunction +
        """
        local meta = redis.call('HMGET', KEYS[1], 'runId', 'total', 'startsAt', 'endsAt')
        if meta[1] ~= currentRunId() then return {} end
        if tonumber(redis.call('GET', KEYS[3]) or '0') < tonumber(meta[2]) then return {} end
        if redis.call('ZCARD', KEYS[4]) > 0 then return {} end
        local answer = redis.call('SMEMBERS', KEYS[2])
        table.insert(answer, 1, meta[4])
        table.insert(answer, 1, meta[3])
        return answer
        """;

    private const string StalePendingScript =
        """
        local epoch = redis.call('HGET', KEYS[1], 'epoch')
        if not epoch then return {} end
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local users = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[1]), 'LIMIT', 0, tonumber(ARGV[2]))
        table.insert(users, 1, epoch)
        return users
        """;

    // A campaign's rebuilds in this process queue behind one another; across processes the row lock orders them.
    private readonly SemaphoreSlim[] rebuildLocks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    private IDatabase Redis => redis.GetDatabase();

    public async Task<Admission> AdmitAsync(Guid couponId, string userId)
    {
        var keys = GateKeys.For(couponId);
        var answer = (RedisResult[])(await Redis.ScriptEvaluateAsync(
            AdmitScript, [keys.Meta, keys.Users, keys.Issued, keys.Pending], [userId]))!;
        return (string?)answer[0] switch
        {
            "admitted" => new Admission(AdmissionKind.Admitted, (long)answer[1]),
            "already_issued" => new Admission(AdmissionKind.AlreadyIssued),
            "already_pending" => new Admission(AdmissionKind.AlreadyPending, (long)answer[1]),
            "sold_out" => new Admission(AdmissionKind.SoldOut),
            "not_active" => new Admission(AdmissionKind.NotActive),
            _ => new Admission(AdmissionKind.Stale),
        };
    }

    /// <summary>
    /// Who holds the campaign's coupons and when it is open, if it is sold out on the current gate; null otherwise.
    /// <paramref name="takenAt"/> is when the caller asked (before the answer), so the snapshot's age is never understated.
    /// </summary>
    public async Task<SoldOutSnapshot?> SoldOutSnapshotAsync(Guid couponId, long takenAt)
    {
        var keys = GateKeys.For(couponId);
        var answer = (RedisResult[])(await Redis.ScriptEvaluateAsync(SoldOutSnapshotScript, [keys.Meta, keys.Users, keys.Issued, keys.Pending]))!;
        return answer.Length < 2 ? null
            : new SoldOutSnapshot(answer.Skip(2).Select(user => (string)user!).ToFrozenSet(StringComparer.Ordinal),
                (long)answer[0], (long)answer[1], takenAt);
    }

    /// <summary>The user's row is in PostgreSQL: no longer pending. Losing this is harmless (the sweeper finds the row).</summary>
    public Task SettleAsync(Guid couponId, string userId) =>
        Redis.SortedSetRemoveAsync(GateKeys.For(couponId).Pending, userId, CommandFlags.FireAndForget);

    /// <summary>Forces a rebuild if the gate still runs on <paramref name="epoch"/>, which PostgreSQL no longer accepts.</summary>
    public async Task InvalidateAsync(Guid couponId, long epoch)
    {
        if ((int)await Redis.ScriptEvaluateAsync(InvalidateScript, [GateKeys.For(couponId).Meta],
                [epoch, SoldOutCampaigns.ChangedChannel, couponId.ToString("D")]) == 1)
        {
            logger.LogWarning("Coupon {CouponId}: gate epoch {Epoch} is not PostgreSQL's; it will be rebuilt", couponId, epoch);
        }
    }

    /// <summary>Users admitted longer than <paramref name="olderThan"/> ago whose row was not confirmed, and the gate's epoch.</summary>
    public async Task<(long Epoch, IReadOnlyList<string> Users)> StalePendingAsync(Guid couponId, TimeSpan olderThan, int limit)
    {
        var keys = GateKeys.For(couponId);
        var answer = (RedisResult[])(await Redis.ScriptEvaluateAsync(
            StalePendingScript, [keys.Meta, keys.Pending], [(long)olderThan.TotalMilliseconds, limit]))!;
        return answer.Length == 0 ? (0, []) : ((long)answer[0], [.. answer.Skip(1).Select(user => (string)user!)]);
    }

    /// <summary>
    /// Makes the gate current: rebuilt from PostgreSQL unless it already runs on this Redis (and, with
    /// <paramref name="verifyCount"/>, counts at least the rows PostgreSQL has). False when the campaign does not exist.
    /// </summary>
    public async Task<bool> RebuildAsync(Guid couponId, bool verifyCount, CancellationToken cancellationToken)
    {
        // The common case after a rebuild: every request that found the gate stale finds it current now, without queueing.
        if (!verifyCount && await IsCurrentAsync(couponId, minimumIssued: 0))
        {
            return true;
        }

        var gateLock = rebuildLocks[(couponId.GetHashCode() & int.MaxValue) % rebuildLocks.Length];
        await gateLock.WaitAsync(cancellationToken);
        try
        {
            if (!verifyCount && await IsCurrentAsync(couponId, minimumIssued: 0))
            {
                return true;
            }

            return await RebuildFromDatabaseAsync(couponId, verifyCount, cancellationToken);
        }
        finally
        {
            gateLock.Release();
        }
    }

    private async Task<bool> IsCurrentAsync(Guid couponId, long minimumIssued)
    {
        var keys = GateKeys.For(couponId);
        return (int)await Redis.ScriptEvaluateAsync(IsCurrentScript, [keys.Meta, keys.Issued], [minimumIssued]) == 1;
    }

    private async Task<bool> RebuildFromDatabaseAsync(Guid couponId, bool verifyCount, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // FOR UPDATE conflicts with the FOR KEY SHARE each issue insert takes on this row: in-flight inserts finish
        // first (and are read below), later ones wait and then see the new epoch.
        CampaignWindow window;
        int total;
        await using (var lockRow = new NpgsqlCommand(
            "SELECT total_quantity, starts_at, ends_at FROM coupons WHERE id = @id FOR UPDATE", connection))
        {
            lockRow.Parameters.AddWithValue("id", couponId);
            await using var reader = await lockRow.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return false;
            }

            total = reader.GetInt32(0);
            window = CampaignWindow.Read(reader, 1);
        }

        var rows = 0L;
        if (verifyCount)
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM coupon_issues WHERE coupon_id = @id", connection);
            count.Parameters.AddWithValue("id", couponId);
            rows = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        // Another process may have rebuilt it while this one waited for the row.
        if (await IsCurrentAsync(couponId, rows))
        {
            await transaction.CommitAsync(cancellationToken);
            return true;
        }

        long epoch;
        await using (var bump = new NpgsqlCommand(
            "UPDATE coupons SET gate_epoch = gate_epoch + 1 WHERE id = @id RETURNING gate_epoch", connection))
        {
            bump.Parameters.AddWithValue("id", couponId);
            epoch = (long)(await bump.ExecuteScalarAsync(cancellationToken))!;
        }

        var keys = GateKeys.For(couponId);
        var token = Guid.NewGuid().ToString("N");
        await Redis.ScriptEvaluateAsync(ResetScript, [keys.Meta, keys.Users, keys.Issued, keys.Pending, keys.Building],
            [token, SoldOutCampaigns.ChangedChannel, couponId.ToString("D")]);

        await using (var users = new NpgsqlCommand("SELECT user_id FROM coupon_issues WHERE coupon_id = @id", connection))
        {
            users.Parameters.AddWithValue("id", couponId);
            await using var reader = await users.ExecuteReaderAsync(cancellationToken);
            var batch = new List<RedisValue>(RebuildBatch + 1) { token };
            while (await reader.ReadAsync(cancellationToken))
            {
                batch.Add(reader.GetString(0));
                if (batch.Count > RebuildBatch)
                {
                    await AppendAsync(keys, batch);
                    batch = [token];
                }
            }

            if (batch.Count > 1)
            {
                await AppendAsync(keys, batch);
            }
        }

        var counted = (long)await Redis.ScriptEvaluateAsync(
            FinishScript,
            [keys.Building, keys.Users, keys.Issued, keys.Meta],
            [token, total, window.StartsAtMilliseconds, window.EndsAtMilliseconds, epoch]);
        if (counted < 0)
        {
            throw new RedisException($"The gate rebuild of coupon {couponId} was overtaken (another rebuild or a Redis restart).");
        }

        try
        {
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            // The gate now says an epoch PostgreSQL does not have: take it down so the next request rebuilds it.
            await InvalidateAsync(couponId, epoch);
            throw;
        }

        // The first build of a new campaign is routine; any later one means Redis lost or restarted under the gate.
        logger.Log(epoch > 1 ? LogLevel.Warning : LogLevel.Information,
            "Coupon {CouponId}: gate rebuilt from PostgreSQL at epoch {Epoch} with {Issued} of {Total} issued",
            couponId, epoch, counted, total);
        return true;
    }

    private async Task AppendAsync(GateKeys keys, List<RedisValue> tokenAndUsers)
    {
        if ((int)await Redis.ScriptEvaluateAsync(AppendScript, [keys.Building, keys.Users], [.. tokenAndUsers]) != 1)
        {
            throw new RedisException("The gate rebuild was overtaken (another rebuild or a Redis restart).");
        }
    }
}
