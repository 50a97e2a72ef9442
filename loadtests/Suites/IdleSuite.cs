using System.Diagnostics;
using System.Net;
using Commerce.LoadTests.Harness;
using Commerce.LoadTests.Suites.Shared;

namespace Commerce.LoadTests.Suites;

/// <summary>
/// One order on an idle system: one funded user places orders one at a time, each polled (GET
/// /api/orders/{id}) until Completed or Rejected before the next is placed. The first orders warm the services up
/// untimed; the rest are timed from the POST to the poll that saw them final, and the POST (POST → 202) alone. Then
/// the invariants (docs/architecture.md) are checked on the databases, as after the lunch rush.
/// </summary>
public static class IdleSuite
{
    public const string Orders = "order";
    public const string Accept = "accept";
    public const string Poll = "poll";
    public const string PostToFinal = "post-to-final";

    /// <summary>Untimed: the services compile their hot code on the first calls, which is not the order's time.</summary>
    private const int WarmUpOrders = 20;

    private const int TimedOrders = 200;
    private const long Price = 5_000;
    private const int Stock = 1_000_000;

    /// <summary>Ten times what every order of the run costs: money or stock never decides an order here.</summary>
    private const long Deposit = 10 * (WarmUpOrders + TimedOrders) * Price;

    /// <summary>
    /// Polls 1 ms apart, no back-off. With one client the polls are the only other load, one GET at a time; a back-off
    /// (the lunch rush's 25 ms growing to 250 ms) would add up to its own length to an order that should be final in
    /// 12 ms, and the pause is what POST → final over-reads by, with the poll's round trip. The GETs do share the two
    /// cores with the saga: the report gives the polls per order so that cost can be judged.
    /// </summary>
    private static readonly TimeSpan PollPause = TimeSpan.FromMilliseconds(1);

    /// <summary>An idle system that has not finished one order in 10 s is broken: that order fails and the next starts.</summary>
    private static readonly TimeSpan FinalBudget = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The harness's closed model loops for a time, not a count: its one copy runs the whole sequence in its first
    /// invocation, started in this window, and the sequence (seconds) runs on in the graceful stop.
    /// </summary>
    private static readonly TimeSpan LoadWindow = TimeSpan.FromSeconds(1);

    /// <summary>Cancels the sequence if the system is 50× slower than measured (p50 24 ms): 220 orders at over a second each.</summary>
    private static readonly TimeSpan SequenceBudget = TimeSpan.FromMinutes(5);

    public static async Task<int> RunAsync(SuiteOptions options)
    {
        await using var system = await SystemUnderTest.OpenAsync(options);
        using var shop = new Shop(system, Shop.NewRunPrefix("idle"));
        var productId = shop.ProductId("kimbap");
        var userId = shop.UserId(0);
        long accepted = 0;
        var warmUpNotCompleted = 0;

        var sequence = Scenario.Create(Orders, async ctx =>
            {
                if (ctx.InvocationNumber > 0)
                {
                    // Only if the whole sequence ended inside the load window: wait the window out instead of spinning.
                    await Task.Delay(LoadWindow, ctx.CancellationToken);
                    return Response.Ok("sequence done");
                }

                for (var n = 0; n < WarmUpOrders + TimedOrders; n++)
                {
                    // Past the sequence's budget: the harness counts the sequence unfinished, and the order count falls short.
                    ctx.CancellationToken.ThrowIfCancellationRequested();
                    var timed = n >= WarmUpOrders;
                    var (wasAccepted, status) = await PlaceAndFollowAsync(shop, userId, productId, ctx, timed);
                    if (wasAccepted)
                    {
                        Interlocked.Increment(ref accepted);
                    }

                    if (!timed && status != "Completed")
                    {
                        warmUpNotCompleted++;
                    }
                }

                return Response.Ok("sequence done");
            })
            .WithInit(async ctx =>
            {
                await shop.PutProductAsync(productId, Price, Stock, ctx.CancellationToken);
                await shop.FundUsersAsync([userId], Deposit, ctx.CancellationToken);
            })
            // The warm-up is the sequence's first orders: the harness's warm-up is a time, and would run a second sequence.
            .WithoutWarmUp()
            .WithGracefulStop(SequenceBudget)
            .WithLoadSimulations(Simulation.KeepConstant(1, LoadWindow));

        var result = await LoadRunner.RegisterScenarios(sequence)
            .WithTestName("idle")
            .WithTarget(system.Gateway)
            .WithThresholds(
                // The latency targets for one order (loadtests/README.md), as they are: the report says which were met.
                Threshold.Create(Orders, PostToFinal, s => s.Latency.P50Ms <= 12, "p50 ≤ 12 ms"),
                Threshold.Create(Orders, PostToFinal, s => s.Latency.P99Ms <= 30, "p99 ≤ 30 ms"),
                // Also fails when a POST was not accepted: that order has no post-to-final.
                Threshold.Create(Orders, PostToFinal, s => s.CountOf("Completed") == TimedOrders, $"all {TimedOrders} orders Completed"),
                Threshold.Create(Orders, PostToFinal, s => s.Fail == 0, $"no errors: every order final within {FinalBudget.TotalSeconds:0} s"),
                Threshold.Create(Orders, Accept, s => s.Fail == 0, "no errors"),
                Threshold.Create(Orders, Poll, s => s.Fail == 0, "no errors"))
            .RunAsync();

        var postToFinal = Figures.Step(result, Orders, PostToFinal);
        var polls = Figures.Step(result, Orders, Poll);
        var figures = new ReportSection(
            "One order on an idle system",
            $"One user placing {TimedOrders} orders one at a time on {system.Description}, after {WarmUpOrders} untimed ones " +
            $"({warmUpNotCompleted} of them not Completed); each polled every {PollPause.TotalMilliseconds:0} ms until final before the next was placed. " +
            $"POST → final ends at the poll that saw Completed or Rejected, so it reads late by up to one poll and its pause " +
            $"({Figures.Number(polls.Requests / (double)Math.Max(1, postToFinal.Requests))} polls per order). " +
            $"The sequence is one invocation in a {LoadWindow.TotalSeconds:0} s load window: the tables' rates are per that window, not per second of the run.",
            ["figure", "count", "p50 ms", "p95 ms", "p99 ms", "max ms", "target"],
            [
                Row("POST → final", postToFinal, "p50 ≤ 12 ms, p99 ≤ 30 ms, all Completed"),
                Row("POST (accept)", Figures.Step(result, Orders, Accept), ""),
                Row("one poll (GET)", polls, ""),
            ]);
        ConsoleReport.Print(figures);

        // The warm-up's orders count too: they are orders like any other, and the invariants cover every one.
        Console.WriteLine("Checking the invariants (docs/architecture.md) …");
        var invariants = await DesignInvariants.CheckOrdersAsync(
            system, shop.RunPrefix, new Dictionary<string, int> { [productId] = Stock }, _ => Deposit, Interlocked.Read(ref accepted), TimeSpan.FromSeconds(120));
        result = result.WithSection(figures).WithSection(invariants.ToSection());
        if (!invariants.Held)
        {
            result = result with { Problems = [.. result.Problems, .. invariants.Violations.Select(v => "Invariant broken: " + v)] };
        }

        await Reports.WriteAsync(result, options.ReportDir);
        return result.ExitCode;
    }

    /// <summary>One order: POST, then polls until final or <see cref="FinalBudget"/>. Returns whether it was accepted and the last status seen.</summary>
    private static async Task<(bool Accepted, string? Status)> PlaceAndFollowAsync(
        Shop shop, string userId, string productId, ScenarioContext ctx, bool timed)
    {
        var postedAt = Stopwatch.GetTimestamp();
        Guid orderId = default;
        var answer = await MeasureAsync(Accept, ctx, timed, async () =>
        {
            using var response = await shop.PlaceOrderAsync(userId, [(productId, 1)], ctx.CancellationToken);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                return Response.Fail((int)response.StatusCode, await response.Content.ReadAsStringAsync(ctx.CancellationToken));
            }

            orderId = await Shop.AcceptedOrderIdAsync(response, ctx.CancellationToken);
            return Response.Ok(202);
        });
        if (answer.IsError)
        {
            return (false, null);
        }

        string? status = null;
        TimeSpan postToFinal;
        while (true)
        {
            var poll = await MeasureAsync(Poll, ctx, timed, async () =>
                await shop.GetOrderStatusAsync(userId, orderId, ctx.CancellationToken) is { } seen
                    ? Response.Ok(seen)
                    : Response.Fail("not-200", $"GET /api/orders/{orderId} did not answer 200"));
            // Taken as the answer came, before anything else: the time to the poll that saw the order final.
            postToFinal = Stopwatch.GetElapsedTime(postedAt);
            status = poll.IsError ? status : poll.StatusCode;
            if (status is "Completed" or "Rejected" || postToFinal >= FinalBudget)
            {
                break;
            }

            await Task.Delay(PollPause, ctx.CancellationToken);
        }

        if (timed)
        {
            Step.Record(
                PostToFinal,
                ctx,
                status is "Completed" or "Rejected" ? Response.Ok(status) : Response.Fail("still-pending", $"order {orderId} not final within {FinalBudget.TotalSeconds:0} s of its POST"),
                postToFinal);
        }

        return (true, status);
    }

    /// <summary>A timed order's request is a step; a warm-up order's is the same request with its figures not kept, as in the harness's warm-up.</summary>
    private static async Task<Response> MeasureAsync(string step, ScenarioContext ctx, bool timed, Func<Task<Response>> run)
    {
        if (timed)
        {
            return await Step.Run(step, ctx, run);
        }

        try
        {
            return await run();
        }
        catch (Exception exception) when (!ctx.CancellationToken.IsCancellationRequested)
        {
            return Response.FromException(exception, testEnding: false);
        }
    }

    private static IReadOnlyList<string> Row(string figure, Stats stats, string target) =>
    [
        figure,
        Format.Count(stats.Requests),
        Format.Ms(stats.Latency.P50Ms),
        Format.Ms(stats.Latency.P95Ms),
        Format.Ms(stats.Latency.P99Ms),
        Format.Ms(stats.Latency.MaxMs),
        target,
    ];
}
