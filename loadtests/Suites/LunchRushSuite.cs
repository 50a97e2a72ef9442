using System.Diagnostics;
using System.Net;
using System.Threading.Channels;
using Commerce.LoadTests.Harness;
using Commerce.LoadTests.Suites.Shared;

namespace Commerce.LoadTests.Suites;

/// <summary>How big a lunch rush is; the full suite, the replay and the gate use different sizes of the same rush.</summary>
public sealed record LunchRushShape(int Users, int Copies, TimeSpan Duration, TimeSpan WarmUp)
{
    /// <summary>Every how many accepted orders one is polled until final (polling them all would double the load).</summary>
    public int SampleEvery { get; init; } = 20;

    /// <summary>
    /// How many sampled orders can be polled at once. Far more than are ever in flight (samples per second × seconds to
    /// final): a sample that waits for a free poller would count the harness's queue as the saga's time. With 8, a
    /// rush of 120 orders/s kept them all busy and post-to-final counted the wait; 64 fell behind in a 60 s rush without
    /// the admission limit (orders took 10–20 s). An idle poller only waits on the channel.
    /// </summary>
    public int Pollers { get; init; } = 256;

    /// <summary>
    /// Open model (<c>--rate</c>): customers arrive at this many orders a second whether or not the shop keeps up, instead
    /// of <see cref="Copies"/> callers placing orders back to back. Null: the closed model.
    /// </summary>
    public int? RatePerSecond { get; init; }

    /// <summary>Open model only: the arrivals grow from none to <see cref="RatePerSecond"/> over this long before the steady rush.</summary>
    public TimeSpan RampUp { get; init; }

    public static LunchRushShape Full(SuiteOptions options) =>
        new(5_000, options.Copies ?? 100, options.Duration ?? TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)) { RatePerSecond = options.Rate };

    /// <summary>How the orders arrive, in words, for the reports.</summary>
    public string Load => RatePerSecond is { } rate
        ? $"customers arriving at {rate} orders/s (open model{(RampUp > TimeSpan.Zero ? $", after a {RampUp.TotalSeconds:0} s ramp from none" : "")})"
        : $"{Copies} placing orders back to back";

    /// <summary>The orders' load: <see cref="Copies"/> callers back to back, or arrivals at <see cref="RatePerSecond"/> after the ramp.</summary>
    public LoadSimulation[] Simulations => RatePerSecond is not { } rate
        ? [Simulation.KeepConstant(Copies, Duration)]
        : RampUp > TimeSpan.Zero
            ? [Simulation.RampingInject(rate, TimeSpan.FromSeconds(1), RampUp), Simulation.InjectPerSec(rate, Duration)]
            : [Simulation.InjectPerSec(rate, Duration)];
}

/// <summary>
/// Incident 1, the lunch rush: thousands of funded users, a hundred at a time placing orders for a handful of popular
/// dishes (one of them a special that sells out). Measures acceptance (POST → 202) on every order and completion
/// (POST → Completed or Rejected, seen by polling GET /api/orders/{id}, 25 ms apart backing off to 250 ms) on a sample;
/// then checks the invariants (docs/architecture.md) on the databases, and any violation fails the run.
/// </summary>
public static class LunchRushSuite
{
    public const string Orders = "order";
    public const string Accept = "accept";
    public const string Completion = "completion";
    public const string PostToFinal = "post-to-final";
    public const string WaitForPoller = "wait-for-poller";

    private const long Deposit = 1_000_000;
    // Polls start 25 ms apart and back off to 250 ms: a poll every 50 ms on orders that take seconds was, in the first
    // runs, more GETs than the rush had POSTs, and the measurement slowed what it measured.
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan SlowestPoll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan FinalBudget = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(SuiteOptions options)
    {
        if (options.Replicas is { } replicas)
        {
            return await ReplicaComparison.RunAsync(options, replicas, "lunch-rush",
                (system, name) => RunAsync(system, LunchRushShape.Full(options), name, _ => []),
                [
                    new("orders accepted /s", run => Figures.Step(run, Orders, Accept).OkRps, HigherIsBetter: true),
                    new("accept p95 ms", run => Figures.Step(run, Orders, Accept).Latency.P95Ms, HigherIsBetter: false),
                    new("completion p95 ms", run => Figures.Step(run, Completion, PostToFinal).Latency.P95Ms, HigherIsBetter: false),
                    new("order errors %", run => Figures.Step(run, Orders, Accept).FailPercent, HigherIsBetter: false),
                ]);
        }

        await using var system = await SystemUnderTest.OpenAsync(options);
        var result = await RunAsync(system, LunchRushShape.Full(options), "lunch-rush", shape =>
        [
            // The issue's targets for this machine, as they are: the report says which were met.
            Threshold.OkRpsAtLeast(Orders, 1_000, Accept),
            Threshold.Create(Orders, Accept, s => s.Latency.P99Ms < 100, "p99 < 100 ms"),
            Threshold.Create(Orders, Accept, s => s.Fail == 0, "no errors"),
            Threshold.LatencyP95Below(Completion, 1_000, PostToFinal),
            Threshold.Create(Completion, PostToFinal, s => s.Fail == 0, "every sampled order final within 30 s"),
            // Not a target: says whether the completion figures can be trusted (polling began as the 202 came).
            Threshold.Create(Completion, WaitForPoller, s => s.Latency.P99Ms < 100, "pollers kept up: p99 < 100 ms"),
        ]);
        await Reports.WriteAsync(result, options.ReportDir);
        return result.ExitCode;
    }

    /// <summary>
    /// One rush on <paramref name="system"/>: set-up, load, invariants. Violations are added to the run's problems.
    /// <paramref name="systemCpuPerOrder"/> hears the system's CPU milliseconds per accepted order (the table's total, and the timed part's), when
    /// the system's processes could be read.
    /// </summary>
    public static async Task<RunResult> RunAsync(
        SystemUnderTest system, LunchRushShape shape, string testName, Func<LunchRushShape, Threshold[]> thresholds,
        Action<OrderCost>? systemCpuPerOrder = null)
    {
        using var shop = new Shop(system, Shop.NewRunPrefix("lr"));
        var menu = new[]
        {
            (Id: shop.ProductId("bibimbap"), Price: 9_000L, Stock: 1_000_000),
            (Id: shop.ProductId("kimchi-jjigae"), Price: 8_000L, Stock: 1_000_000),
            (Id: shop.ProductId("bulgogi"), Price: 12_000L, Stock: 1_000_000),
            (Id: shop.ProductId("naengmyeon"), Price: 10_000L, Stock: 1_000_000),
            (Id: shop.ProductId("special"), Price: 6_500L, Stock: 300), // sells out: rejections and releases are part of lunch
        };
        var users = Enumerable.Range(0, shape.Users).Select(n => shop.UserId(n)).ToArray();
        var sampled = Channel.CreateBounded<SampledOrder>(
            new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite });
        long accepted = 0;
        ProcessCpu? cpuBefore = null;
        // The timed part alone, from its first call on: a fresh system compiles its hot code during the first rush's warm-up
        // (2026-12-07: 39–47 ms per order with the warm-up, 30–33 ms without it, 18 ms on a warm system).
        long acceptedTimed = 0;
        ProcessCpu? cpuAtTimedStart = null;
        var timedStarted = 0;

        var order = Scenario.Create(Orders, async ctx =>
            {
                if (!ctx.IsWarmUp && Interlocked.Exchange(ref timedStarted, 1) == 0)
                {
                    cpuAtTimedStart = ProcessCpu.Snapshot(system.AppHostPid);
                }

                var userId = users[ctx.InvocationNumber % users.Length];
                var postedAt = Stopwatch.GetTimestamp();
                Guid orderId = default;
                var answer = await Step.Run(Accept, ctx, async () =>
                {
                    using var response = await shop.PlaceOrderAsync(userId, PickItems(menu), ctx.CancellationToken);
                    if (response.StatusCode != HttpStatusCode.Accepted)
                    {
                        return Response.Fail((int)response.StatusCode, await response.Content.ReadAsStringAsync(ctx.CancellationToken));
                    }

                    orderId = await Shop.AcceptedOrderIdAsync(response, ctx.CancellationToken);
                    return Response.Ok(202);
                });
                if (!answer.IsError)
                {
                    Interlocked.Increment(ref accepted);
                    if (!ctx.IsWarmUp)
                    {
                        Interlocked.Increment(ref acceptedTimed);
                    }

                    if (ctx.InvocationNumber % shape.SampleEvery == 0)
                    {
                        sampled.Writer.TryWrite(new SampledOrder(userId, orderId, postedAt, Stopwatch.GetTimestamp(), ctx.IsWarmUp));
                    }
                }

                return answer;
            })
            .WithInit(async ctx =>
            {
                foreach (var dish in menu)
                {
                    await shop.PutProductAsync(dish.Id, dish.Price, dish.Stock, ctx.CancellationToken);
                }

                Console.WriteLine($"Funding {users.Length:N0} wallets with {Deposit:N0} KRW each …");
                await shop.FundUsersAsync(users, Deposit, ctx.CancellationToken);
                foreach (var userId in users)
                {
                    shop.Bearer(userId);
                }

                // From here on the system's CPU is the rush's: funding the wallets is set-up, not the cost of an order.
                cpuBefore = ProcessCpu.Snapshot(system.AppHostPid);
            })
            .WithWarmUp(shape.WarmUp)
            .WithLoadSimulations(shape.Simulations);

        // Polls sampled orders until final; runs a little longer than the orders so the last samples are seen through.
        var completion = Scenario.Create(Completion, async ctx =>
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(ctx.CancellationToken);
                idle.CancelAfter(TimeSpan.FromMilliseconds(500));
                SampledOrder next;
                try
                {
                    next = await sampled.Reader.ReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!ctx.CancellationToken.IsCancellationRequested)
                {
                    return Response.Ok("idle");
                }

                if (next.FromWarmUp)
                {
                    return Response.Ok("warm-up order, not timed");
                }

                // How late polling began: near zero unless the pollers fell behind, which the report then shows.
                Step.Record(WaitForPoller, ctx, Response.Ok("dequeued"), Stopwatch.GetElapsedTime(next.AcceptedAt));
                var status = await PollUntilFinalAsync(shop, next.UserId, next.OrderId, next.PostedAt, ctx.CancellationToken);
                Step.Record(
                    PostToFinal,
                    ctx,
                    status is "Completed" or "Rejected" ? Response.Ok(status) : Response.Fail("still-pending", $"order {next.OrderId} not final within {FinalBudget.TotalSeconds} s of its POST"),
                    Stopwatch.GetElapsedTime(next.PostedAt));
                return Response.Ok("polled");
            })
            // No warm-up phase of its own: between its warm-up and its run the pollers would stop taking samples while
            // the orders' run had begun, and those samples' wait counted as their completion. It runs through the
            // orders' warm-up instead and leaves that phase's samples untimed.
            .WithGracefulStop(FinalBudget)
            .WithLoadSimulations(Simulation.KeepConstant(shape.Pollers, shape.WarmUp + shape.RampUp + shape.Duration + TimeSpan.FromSeconds(3)));

        var result = await LoadRunner.RegisterScenarios(order, completion)
            .WithTestName(testName)
            .WithTarget(system.Gateway)
            .WithThresholds(thresholds(shape))
            .RunAsync();
        var cpuAfter = ProcessCpu.Snapshot(system.AppHostPid);
        var cpu = cpuBefore is not null && cpuAfter is not null ? cpuAfter.Since(cpuBefore) : null;
        var cpuTimed = cpuAtTimedStart is not null && cpuAfter is not null ? cpuAfter.Since(cpuAtTimedStart) : null;

        // The warm-up's orders count too: they are orders like any other, and the invariants cover every one.
        Console.WriteLine("Checking the invariants (docs/architecture.md) …");
        var invariants = await DesignInvariants.CheckOrdersAsync(
            system, shop.RunPrefix, menu.ToDictionary(d => d.Id, d => d.Stock), _ => Deposit, Interlocked.Read(ref accepted), TimeSpan.FromSeconds(120));
        result = result
            .WithSection(new ReportSection(
                "Lunch rush",
                $"{shape.Users:N0} funded users, {shape.Load} for {shape.Duration.TotalSeconds:0} s on {system.Description}; " +
                $"every {shape.SampleEvery}th accepted order polled until final by {shape.Pollers} pollers, {FirstPoll.TotalMilliseconds:0} ms apart backing off to {SlowestPoll.TotalMilliseconds:0} ms " +
                $"(completion figures are from POST to the poll that saw it final).",
                [],
                []))
            .WithSection(invariants.ToSection());
        if (cpu is not null)
        {
            var section = ProcessCpu.PerUnit(cpu, Interlocked.Read(ref accepted), "accepted order",
                "User + system CPU of every process of the system, the AppHost's and DCP's (reaped children in their parent's figure, so ended " +
                "PostgreSQL backends count), from the end of set-up to the end of the run, over every order accepted in it, the " +
                "warm-up's included; what the sagas still finished after the run is left out. The harness is listed apart.");
            ConsoleReport.Print(section);
            result = result.WithSection(section);
            // The run is over: both counts are final.
            var orders = Interlocked.Read(ref accepted);
            var timedOrders = Interlocked.Read(ref acceptedTimed);
            if (orders > 0)
            {
                var timedPerOrder = cpuTimed is not null && timedOrders > 0 ? ProcessCpu.SystemSeconds(cpuTimed) * 1000 / timedOrders : (double?)null;
                if (timedPerOrder is not null)
                {
                    Console.WriteLine($"System CPU per accepted order in the timed part alone: {timedPerOrder:0.0} ms ({timedOrders:N0} orders)");
                }

                systemCpuPerOrder?.Invoke(new(ProcessCpu.SystemSeconds(cpu) * 1000 / orders, timedPerOrder));
            }
        }

        return invariants.Held ? result : result with { Problems = [.. result.Problems, .. invariants.Violations.Select(v => "Invariant broken: " + v)] };
    }

    private static (string ProductId, int Quantity)[] PickItems((string Id, long Price, int Stock)[] menu)
    {
        var random = Random.Shared;
        var first = random.Next(menu.Length);
        if (random.Next(5) != 0)
        {
            return [(menu[first].Id, 1 + random.Next(2))];
        }

        var second = (first + 1 + random.Next(menu.Length - 1)) % menu.Length;
        return [(menu[first].Id, 1 + random.Next(2)), (menu[second].Id, 1)];
    }

    private static async Task<string?> PollUntilFinalAsync(Shop shop, string userId, Guid orderId, long postedAt, CancellationToken cancellationToken)
    {
        string? status = null;
        var pause = FirstPoll;
        while (Stopwatch.GetElapsedTime(postedAt) < FinalBudget && !cancellationToken.IsCancellationRequested)
        {
            status = await shop.GetOrderStatusAsync(userId, orderId, cancellationToken);
            if (status is "Completed" or "Rejected")
            {
                return status;
            }

            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(SlowestPoll.Ticks, pause.Ticks * 3 / 2));
        }

        return status;
    }

    /// <summary>
    /// The system's CPU milliseconds per accepted order: over the whole rush, warm-up included (the gate's cost bar), and
    /// over its timed part alone (null when it could not be read).
    /// </summary>
    public readonly record struct OrderCost(double WithWarmUp, double? Timed);

    /// <summary>An accepted order picked for polling: when its POST was sent and when its 202 came back.</summary>
    private readonly record struct SampledOrder(string UserId, Guid OrderId, long PostedAt, long AcceptedAt, bool FromWarmUp);
}
