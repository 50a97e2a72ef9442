using System.Diagnostics;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Commerce.Gateway.Traffic;

/// <summary>
/// Gives every request an <c>X-Correlation-Id</c> (the caller's, or a new one), forwards it to the services,
/// echoes it in the answer and puts it in the log scope, so one id finds a request everywhere.
/// </summary>
public static class CorrelationId
{
    public const string HeaderName = "X-Correlation-Id";

    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Commerce.Gateway.Requests");
        return app.Use(async (context, next) =>
        {
            var receivedAt = Stopwatch.GetTimestamp();
            var supplied = context.Request.Headers[HeaderName].ToString();
            var correlationId = supplied.Length is > 0 and <= 128 ? supplied : Guid.NewGuid().ToString("N");
            context.Request.Headers[HeaderName] = correlationId;
            context.Response.Headers[HeaderName] = correlationId;

            using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = correlationId }))
            {
                await next(context);

                // One line per answer is Debug: at Information, formatting it and piping it to the AppHost's log file
                // cost the Gateway a fifth of its throughput (loadtests/README.md). Server errors and failed forwards
                // stay at Warning; the services' metrics count every answer by status.
                var failure = context.GetForwarderErrorFeature() is { Error: not ForwarderError.None } failed ? failed : null;
                var level = context.Response.StatusCode >= 500 || failure is not null ? LogLevel.Warning : LogLevel.Debug;
                if (!logger.IsEnabled(level))
                {
                    return;
                }

                if (failure is null)
                {
                    logger.Log(level, "{Method} {Path} answered {StatusCode} [{CorrelationId}]",
                        context.Request.Method, context.Request.Path, context.Response.StatusCode, correlationId);
                }
                else
                {
                    // YARP logs its forwarding errors at Information, below what the Gateway logs: say which copy failed, at
                    // which step and after how long, so a 502 or 504 reads as "never connected", "no answer" or "answer cut".
                    logger.Log(level, "{Method} {Path} answered {StatusCode}: forward to {Destination} failed, {Error} after {ElapsedMs:F0} ms ({Exception}) [{CorrelationId}]",
                        context.Request.Method, context.Request.Path, context.Response.StatusCode,
                        context.Features.Get<IReverseProxyFeature>()?.ProxiedDestination?.Model.Config.Address, failure.Error,
                        Stopwatch.GetElapsedTime(receivedAt).TotalMilliseconds, Innermost(failure.Exception), correlationId);
                }
            }
        });
    }

    private static string? Innermost(Exception? exception)
    {
        while (exception?.InnerException is not null) exception = exception.InnerException;
        return exception is null ? null : $"{exception.GetType().Name}: {exception.Message}";
    }
}
