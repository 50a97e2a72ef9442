using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Commerce.Tests.Coupons;

namespace Commerce.Tests.Faults;

/// <summary>
/// Tests that kill infrastructure run alone, after the parallel ones: a PostgreSQL and a RabbitMQ starting beside
/// three other systems on two cores took a minute, and "consuming again within seconds" would measure the neighbours.
/// </summary>
[CollectionDefinition(nameof(InfrastructureFaults), DisableParallelization = true)]
public sealed class InfrastructureFaults;

/// <summary>A system on PostgreSQL, Redis and RabbitMQ of its own, so that killing any of them reaches no other test.</summary>
public sealed class OwnInfrastructureSystem : IAsyncLifetime
{
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(20);

    public CommerceSystem System { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        System = await CommerceSystem.StartAsync(
            "chained-faults",
            new Dictionary<string, string> { ["Orders__StepTimeoutSeconds"] = StepTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) },
            ownInfrastructure: true);

    public async ValueTask DisposeAsync() => await System.DisposeAsync();
}

/// <summary>
/// Kills one after another, each sequence in the middle of a lunch rush of its own: services, then the broker (a RabbitMQ
/// restart after an Order restart once left Order's answer queues without a consumer for good), the broker twice, the
/// database then the broker. After each rush every queue has its consumer again within seconds of the broker's return,
/// every order is final, and stock, money and coupons are exact.
/// </summary>
[Collection(nameof(InfrastructureFaults))]
public sealed class ChainedFaultTests(OwnInfrastructureSystem faults) : IClassFixture<OwnInfrastructureSystem>, IAsyncDisposable
{
    private const int Users = 100;
    private const int OrdersPerUser = 2;
    private const int Units = 150;
    private const int InFlight = 32;
    private const int CouponHolders = 20;
    private const long Price = 1_000;
    private const long Deposit = 3_000;

    /// <summary>Every order final within the step timeout and a margin.</summary>
    private static readonly TimeSpan SettleBudget = OwnInfrastructureSystem.StepTimeout + TimeSpan.FromSeconds(40);

    /// <summary>"Within seconds of the broker's return": the endpoint recovery restarts a lost endpoint every 2 s.</summary>
    private static readonly TimeSpan ConsumingAgainWithin = TimeSpan.FromSeconds(15);

    private readonly Storefront store = new(faults.System);
    private readonly CouponDriver coupons = new(faults.System);
    private readonly BrokerQueues broker = faults.System.BrokerQueues();

    [Fact]
    public async Task Services_then_the_broker_then_the_broker_twice_then_the_database_and_the_broker_leave_everything_consuming_and_exact()
    {
        await RushThroughAsync("services", "order", "stock", "wallet");
        await RushThroughAsync("broker", "rabbitmq");
        await RushThroughAsync("broker-twice", "rabbitmq", "rabbitmq");
        await RushThroughAsync("database-broker", "postgres", "rabbitmq");
    }

    [Fact]
    public async Task A_broker_killed_mid_rush_five_times_leaves_every_queue_consumed_each_time()
    {
        for (var round = 1; round <= 5; round++)
        {
            await RushThroughAsync($"broker-{round}", "rabbitmq");
        }
    }

    [Fact]
    public async Task After_a_database_restart_reads_answer_at_once_and_a_write_is_either_done_or_refused_with_nothing_changed()
    {
        var run = Storefront.UniqueId("db-restart");
        var product = $"p-{run}";
        await store.PutProductAsync(product, Price, Units);
        var users = Enumerable.Range(0, 40).Select(i => $"u-{run}-{i}").ToList();
        await Task.WhenAll(users.Select(user => store.DepositAsync(user, Deposit)));
        // Fill the services' pools with idle connections, all of which die with the server.
        await Task.WhenAll(users.Select(ReadEverythingOnceAsync));

        await faults.System.KillAsync("postgres");

        var reads = await Task.WhenAll(users.Select(ReadEverythingOnceAsync));
        Assert.All(reads.SelectMany(statuses => statuses), status => Assert.Equal(HttpStatusCode.OK, status));

        // A deposit either went through or was refused with 503 and Retry-After; the same key again deposits exactly once.
        using var client = store.ClientFor(users[0]);
        using (var first = await DepositAsync(client, "after-restart"))
        {
            Assert.True(first.StatusCode is HttpStatusCode.OK || (first.StatusCode == HttpStatusCode.ServiceUnavailable && first.Headers.RetryAfter is not null),
                $"a deposit after the restart answered {(int)first.StatusCode}");
        }

        using (var again = await DepositAsync(client, "after-restart"))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        Assert.Equal(new WalletView(Deposit + 500, 0, Deposit + 500), await store.GetWalletAsync(users[0]));

        async Task<HttpStatusCode[]> ReadEverythingOnceAsync(string user)
        {
            using var reader = store.ClientFor(user);
            var paths = new[] { "/api/wallet", $"/api/products/{product}", "/api/orders", "/api/coupons/mine", "/api/notifications" };
            return await Task.WhenAll(paths.Select(async path =>
            {
                using var response = await reader.GetAsync(path);
                return response.StatusCode;
            }));
        }

        static Task<HttpResponseMessage> DepositAsync(HttpClient client, string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/wallet/deposits") { Content = JsonContent.Create(new { amount = 500 }) };
            request.Headers.Add("Idempotency-Key", key);
            return client.SendAsync(request);
        }
    }

    /// <summary>
    /// A lunch rush (100 funded users, one-unit orders for a dish of 150, two each, one after the other, 32 users at a
    /// time, a fifth of them with a coupon on their first order), with the victims killed in turn once it is under way.
    /// </summary>
    private async Task RushThroughAsync(string stage, params string[] victims)
    {
        var run = Storefront.UniqueId(stage);
        var product = $"p-{run}";
        await store.PutProductAsync(product, Price, Units);
        var users = Enumerable.Range(0, Users).ToDictionary(i => $"u-{run}-{i}", _ => Deposit);
        await Task.WhenAll(users.Keys.Select(user => store.DepositAsync(user, Deposit)));
        var campaign = await coupons.CreateCampaignAsync(total: CouponHolders, discount: 500);
        var holders = users.Keys.Take(CouponHolders).ToList();
        foreach (var holder in holders)
        {
            using var issued = await coupons.IssueAsync(holder, campaign.CouponId);
            Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        }

        var accepted = 0;
        using var inFlight = new SemaphoreSlim(InFlight);
        var rush = Task.WhenAll(users.Keys.Select(async user =>
        {
            await inFlight.WaitAsync();
            try
            {
                using var client = store.ClientFor(user);
                for (var i = 0; i < OrdersPerUser; i++)
                {
                    var couponId = i == 0 && holders.Contains(user) ? campaign.CouponId : (Guid?)null;
                    await Storefront.PlaceUntilAcceptedAsync(client, [(product, 1)], $"{user}-{i}", SettleBudget * 2, couponId);
                    Interlocked.Increment(ref accepted);
                }
            }
            finally
            {
                inFlight.Release();
            }
        }));

        await Eventually.Until(() => Task.FromResult(Volatile.Read(ref accepted) >= 20), TimeSpan.FromMinutes(1), $"{stage}: the rush under way");
        foreach (var victim in victims)
        {
            await faults.System.KillAsync(victim);
        }

        var back = Stopwatch.StartNew();
        QueueTable queues;
        try
        {
            queues = await Eventually.Until(broker.ServiceQueuesAsync, table => table.AllConsumed,
                ConsumingAgainWithin, $"{stage}: every queue consumed again after killing {string.Join(", ", victims)}");
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{exception.Message}\nThe services' receive endpoints said:\n{faults.System.LogLines(12, "endpoint", "Consumer watch", "Cannot Retry")}", exception);
        }

        var consumingAfter = back.Elapsed;
        await rush;

        await Invariants.AssertHoldAsync(store, new Dictionary<string, int> { [product] = Units }, users, SettleBudget);
        await AssertCouponsFollowTheirOrdersAsync(holders, campaign.CouponId);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{stage}: killed {string.Join(", ", victims)}; every queue consumed {consumingAfter.TotalSeconds:F1} s after the last came back{queues}");
    }

    /// <summary>A Completed order's coupon is Used by that order; a holder whose coupon orders were all Rejected has it Issued.</summary>
    private async Task AssertCouponsFollowTheirOrdersAsync(IEnumerable<string> holders, Guid couponId)
    {
        foreach (var holder in holders)
        {
            using var client = store.ClientFor(holder);
            var orders = await Storefront.OrdersAsync(client);
            var usedBy = orders.SingleOrDefault(order => order.CouponId == couponId && order.Status == "Completed")?.OrderId;
            await Eventually.Until(() => coupons.MineAsync(holder),
                mine => mine.Any(coupon => coupon.CouponId == couponId
                    && (usedBy is { } orderId ? coupon.Status == "Used" && coupon.OrderId == orderId : coupon.Status == "Issued" && coupon.OrderId is null)),
                SettleBudget, $"{holder}'s coupon {(usedBy is null ? "Issued again" : $"Used by {usedBy}")}");
        }
    }

    public async ValueTask DisposeAsync() => await coupons.DisposeAsync();
}
