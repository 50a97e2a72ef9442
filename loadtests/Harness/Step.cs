using System.Diagnostics;

namespace Commerce.LoadTests.Harness;

/// <summary>A named part of a scenario invocation whose figures are kept apart from the scenario's (login, add to cart, pay).</summary>
public static class Step
{
    /// <summary>
    /// Runs and measures one step. An exception becomes a failed response; the scenario decides what follows:
    /// <c>var pay = await Step.Run("pay", ctx, …); if (pay.IsError) return pay;</c>
    /// </summary>
    public static async Task<Response> Run(string name, ScenarioContext context, Func<Task<Response>> run)
    {
        var collector = context.Steps.For(name);
        var started = Stopwatch.GetTimestamp();
        Response response;
        try
        {
            response = await run();
        }
        catch (Exception exception)
        {
            response = Response.FromException(exception, context.CancellationToken.IsCancellationRequested);
        }

        collector.Record(response, Stopwatch.GetElapsedTime(started));
        return response;
    }

    /// <summary>
    /// Records a step measured elsewhere, e.g. an order's time from its POST (sent by another scenario) to the moment
    /// a poller saw it final. Ours, not NBomber's: its steps can only time what they run themselves.
    /// </summary>
    public static void Record(string name, ScenarioContext context, Response response, TimeSpan latency) =>
        context.Steps.For(name).Record(response, latency);
}
