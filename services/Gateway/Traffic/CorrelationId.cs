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
            var supplied = context.Request.Headers[HeaderName].ToString();
            var correlationId = supplied.Length is > 0 and <= 128 ? supplied : Guid.NewGuid().ToString("N");
            context.Request.Headers[HeaderName] = correlationId;
            context.Response.Headers[HeaderName] = correlationId;

            using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = correlationId }))
            {
                await next(context);

                // One line per answer is Debug: at Information, formatting it and piping it to the AppHost's log file
                // cost the Gateway a fifth of its throughput (loadtests/README.md). Server errors stay at Warning;
                // the services' metrics count every answer by status.
                var level = context.Response.StatusCode >= 500 ? LogLevel.Warning : LogLevel.Debug;
                if (logger.IsEnabled(level))
                {
                    logger.Log(level, "{Method} {Path} answered {StatusCode} [{CorrelationId}]",
                        context.Request.Method, context.Request.Path, context.Response.StatusCode, correlationId);
                }
            }
        });
    }
}
