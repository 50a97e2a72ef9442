using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Npgsql;
using StackExchange.Redis;

namespace Commerce.Tests.Coupons;

/// <summary>A campaign as <c>GET /api/coupons/{couponId}</c> shows it.</summary>
public sealed record CampaignJson(
    Guid CouponId, string Name, long DiscountAmount, int TotalQuantity, long Issued, long Remaining, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt);

/// <summary>The body of a 201 from <c>POST /api/coupons/{couponId}/issue</c>.</summary>
public sealed record IssuedJson(Guid CouponId, string UserId, DateTimeOffset IssuedAt);

/// <summary>A line of <c>GET /api/coupons/mine</c>.</summary>
public sealed record MyCouponJson(Guid CouponId, string Name, long DiscountAmount, string Status, Guid? OrderId);

/// <summary>What the Redis gate holds for one campaign.</summary>
public sealed record GateState(long Issued, long Members, long Pending);

/// <summary>
/// Drives the Coupon service for the tests: campaigns and issues through the Gateway, checks on coupondb and on the
/// Redis gate.
/// </summary>
public sealed class CouponDriver(CommerceSystem system) : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly Lazy<Task<ConnectionMultiplexer>> redis = new(() => ConnectRedisAsync(system.RedisConnectionString));

    public CommerceSystem System => system;

    public HttpClient Admin { get; } = system.CreateClient("coupon-admin", "admin");

    public HttpClient Anonymous { get; } = system.CreateClient();

    public static string NewUserId(string prefix = "u") => $"{prefix}-{Guid.NewGuid():N}";

    public async Task<CampaignJson> CreateCampaignAsync(
        int total, long discount = 1_000, DateTimeOffset? startsAt = null, DateTimeOffset? endsAt = null, string? name = null)
    {
        using var response = await Admin.PostAsJsonAsync(
            "/api/admin/coupons", new { name = name ?? $"Campaign {Guid.NewGuid():N}", discountAmount = discount, totalQuantity = total, startsAt, endsAt });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CampaignJson>())!;
    }

    public async Task<CampaignJson> CampaignAsync(Guid couponId) =>
        (await Anonymous.GetFromJsonAsync<CampaignJson>($"/api/coupons/{couponId}"))!;

    public Task<HttpResponseMessage> IssueAsync(string userId, Guid couponId) =>
        Anonymous.SendAsync(IssueRequest(userId, couponId.ToString()));

    public HttpRequestMessage IssueRequest(string userId, string couponId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/coupons/{couponId}/issue");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", system.CreateToken(userId));
        return request;
    }

    public async Task<List<MyCouponJson>> MineAsync(string userId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/coupons/mine");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", system.CreateToken(userId));
        using var response = await Anonymous.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<MyCouponJson>>())!;
    }

    /// <summary>
    /// Every user asks once, all released at the same instant (at most <paramref name="concurrency"/> in flight when
    /// given). A request that fails without an answer (connection refused or cut, 502/503/504) is asked again, as a
    /// careful client would, until it gets one: the result is each user's final answer and how many tries failed.
    /// </summary>
    public async Task<RushResult> RushAsync(
        Guid couponId, IReadOnlyList<string> users, int? concurrency = null, TimeSpan? budget = null, Action? answered = null)
    {
        var answers = new ConcurrentDictionary<int, HttpStatusCode>();
        var failedTries = 0;
        var odd = new ConcurrentDictionary<HttpStatusCode, string>();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var throttle = new SemaphoreSlim(concurrency ?? users.Count);
        var tokens = users.Select(user => system.CreateToken(user)).ToArray();
        var tasks = users.Select((_, index) => Task.Run(async () =>
        {
            await start.Task;
            await throttle.WaitAsync();
            try
            {
                answers[index] = await Eventually.Until(
                    async () =>
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/coupons/{couponId}/issue");
                        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[index]);
                        try
                        {
                            using var response = await Anonymous.SendAsync(request);
                            if (IsNoAnswer(response.StatusCode)) Interlocked.Increment(ref failedTries);
                            if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict or HttpStatusCode.Gone))
                            {
                                odd.TryAdd(response.StatusCode, $"{response.Headers} {await response.Content.ReadAsStringAsync()}");
                            }

                            return response.StatusCode;
                        }
                        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
                        {
                            Interlocked.Increment(ref failedTries);
                            throw;
                        }
                    },
                    status => !IsNoAnswer(status),
                    budget ?? TimeSpan.FromMinutes(2),
                    $"an answer for {users[index]}");
                answered?.Invoke();
            }
            finally
            {
                throttle.Release();
            }
        })).ToList();
        start.SetResult();
        await Task.WhenAll(tasks);
        return new RushResult(users.Select((user, index) => (user, answers[index])).ToDictionary(), failedTries, odd);
    }

    private static bool IsNoAnswer(HttpStatusCode status) =>
        status is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    /// <summary>The users coupondb says hold a coupon of the campaign (duplicates would show twice).</summary>
    public async Task<List<string>> HoldersAsync(Guid couponId)
    {
        await using var connection = new NpgsqlConnection(system.DatabaseConnectionString("coupondb"));
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT user_id FROM coupon_issues WHERE coupon_id = @id", connection);
        read.Parameters.AddWithValue("id", couponId);
        await using var reader = await read.ExecuteReaderAsync();
        var users = new List<string>();
        while (await reader.ReadAsync()) users.Add(reader.GetString(0));
        return users;
    }

    public async Task<T?> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(system.DatabaseConnectionString("coupondb"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return await command.ExecuteScalarAsync() is T result ? result : default;
    }

    public async Task<IDatabase> RedisAsync() => (await redis.Value).GetDatabase();

    public async Task<GateState> GateAsync(Guid couponId)
    {
        var db = await RedisAsync();
        var prefix = GatePrefix(couponId);
        var issued = await db.StringGetAsync(prefix + "issued");
        return new GateState(
            issued.HasValue ? (long)issued : 0,
            await db.SetLengthAsync(prefix + "users"),
            await db.SortedSetLengthAsync(prefix + "pending"));
    }

    public static string GatePrefix(Guid couponId) => $"coupon:{{{couponId:D}}}:";

    /// <summary>
    /// What the gate holds for a user admitted <paramref name="admittedAgo"/> whose row was never written: the process that
    /// admitted them died before its insert.
    /// </summary>
    public async Task PlayPendingAdmissionAsync(Guid couponId, string userId, TimeSpan admittedAgo)
    {
        var db = await RedisAsync();
        var prefix = GatePrefix(couponId);
        var time = (RedisResult[])(await db.ExecuteAsync("TIME"))!;
        var admittedAt = (long)time[0] * 1000 - (long)admittedAgo.TotalMilliseconds;
        await db.SetAddAsync(prefix + "users", userId);
        await db.StringIncrementAsync(prefix + "issued");
        await db.SortedSetAddAsync(prefix + "pending", userId, admittedAt);
    }

    private static async Task<ConnectionMultiplexer> ConnectRedisAsync(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        // The fault tests restart Redis under this connection.
        options.AbortOnConnectFail = false;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        Anonymous.Dispose();
        if (redis.IsValueCreated) await (await redis.Value).DisposeAsync();
    }
}

/// <summary>Each user's final answer to a rush, and how many tries got no answer on the way.</summary>
/// <summary>The rush's answers by user, the tries that got no answer, and one sample of each answer other than 201, 409, 410.</summary>
public sealed record RushResult(IReadOnlyDictionary<string, HttpStatusCode> Answers, int FailedTries, IReadOnlyDictionary<HttpStatusCode, string> OddSamples)
{
    public IReadOnlyList<string> With(HttpStatusCode status) => [.. Answers.Where(a => a.Value == status).Select(a => a.Key)];

    public override string ToString() =>
        string.Join(", ", Answers.GroupBy(a => a.Value).Select(g => $"{(int)g.Key}: {g.Count()}")) + $"; failed tries {FailedTries}"
        + string.Concat(OddSamples.Select(sample => $"\n  {(int)sample.Key}: {sample.Value}"));
}
