using System.Collections.Concurrent;
using Commerce.LoadTests.Harness;

namespace Commerce.UnitTests.LoadTests;

/// <summary>The engine end to end on in-process scenarios (no network); each run lasts a fraction of a second.</summary>
public sealed class ScenarioRunTests
{
    [Fact]
    public async Task Open_model_counts_requests_beyond_the_in_flight_cap_as_overloaded_and_stuck_ones_as_unfinished()
    {
        // 50 requests due within half a second, none ever answers, at most 10 may be in flight.
        var scenario = Scenario.Create("stuck", async ctx =>
            {
                await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
                return Response.Ok();
            })
            .WithMaxInFlight(10)
            .WithGracefulStop(TimeSpan.Zero);

        var result = await new ScenarioRun(scenario, [Simulation.InjectPerSec(100, TimeSpan.FromMilliseconds(500))], isWarmUp: false)
            .ExecuteAsync(TestContext.Current.CancellationToken);

        Assert.Equal(50, result.Stats.Requests);
        Assert.Equal(40, result.Stats.CountOf("overloaded"));
        Assert.Equal(10, result.Stats.CountOf("unfinished"));
        Assert.Equal(10, result.Stats.Latency.Count);
        Assert.Empty(result.Problems);
        Assert.Equal(50, result.SendLag!.Count + 40);
    }

    [Fact]
    public async Task Closed_model_runs_each_copy_in_turn_and_numbers_every_invocation_once()
    {
        var seen = new ConcurrentBag<(long Invocation, long Copy)>();
        var scenario = Scenario.Create("loop", async ctx =>
        {
            seen.Add((ctx.InvocationNumber, ctx.CopyNumber));
            await Task.Delay(5, ctx.CancellationToken);
            return Response.Ok();
        });

        var result = await new ScenarioRun(scenario, [Simulation.KeepConstant(3, TimeSpan.FromMilliseconds(300))], isWarmUp: false)
            .ExecuteAsync(TestContext.Current.CancellationToken);

        Assert.Equal(seen.Count, result.Stats.Requests);
        Assert.Equal(seen.Count, seen.Select(s => s.Invocation).Distinct().Count());
        Assert.Equal([0L, 1, 2], seen.Select(s => s.Copy).Distinct().Order());
        Assert.Null(result.SendLag);
    }

    [Fact]
    public async Task Steps_are_measured_apart_and_exceptions_become_failures()
    {
        var scenario = Scenario.Create("shop", async ctx =>
        {
            var browse = await Step.Run("browse", ctx, () => Task.FromResult(Response.Ok()));
            var pay = await Step.Run("pay", ctx, () => ctx.InvocationNumber % 2 == 0
                ? throw new HttpRequestException("connection reset")
                : Task.FromResult(Response.Ok(201)));
            return pay.IsError ? pay : browse;
        });

        var result = await new ScenarioRun(scenario, [Simulation.KeepConstant(1, TimeSpan.FromMilliseconds(200))], isWarmUp: false)
            .ExecuteAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["browse", "pay"], result.Steps.Select(s => s.Step));
        var pay = result.Steps[1];
        Assert.Equal(result.Stats.Requests, pay.Requests);
        Assert.Equal(pay.Fail, pay.CountOf("HttpRequestException"));
        Assert.Equal(pay.Ok, pay.CountOf("201"));
        Assert.Equal(pay.Fail, result.Stats.Fail);
        Assert.Equal(0, result.Steps[0].Fail);
    }
}
