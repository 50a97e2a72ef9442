using System.Globalization;
using System.Threading.RateLimiting;
using Commerce.ServiceDefaults.Auth;
using Microsoft.AspNetCore.RateLimiting;

namespace Commerce.Gateway.Traffic;

/// <summary>
/// A fixed window of requests per caller (<see cref="FixedWindowPerCaller{TResource}"/>): the user (<c>sub</c>) when
/// the token is valid, the client address otherwise. <c>RateLimiting__PermitLimit</c> and
/// <c>RateLimiting__WindowSeconds</c> configure it; load suites raise it.
/// </summary>
public static class PerCallerRateLimiting
{
    public static WebApplicationBuilder AddPerCallerRateLimiting(this WebApplicationBuilder builder)
    {
        var permitLimit = builder.Configuration.GetValue("RateLimiting:PermitLimit", 100);
        var window = TimeSpan.FromSeconds(builder.Configuration.GetValue("RateLimiting:WindowSeconds", 10.0));

        builder.Services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = new FixedWindowPerCaller<HttpContext>(CallerOf, permitLimit, window, TimeProvider.System);
            options.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : window;
                var http = context.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests; retry after the time in Retry-After.",
                        Extensions = { ["code"] = "rate_limited" },
                    },
                });
            };
        });
        return builder;
    }

    // Only the storefront API is limited: probes and the development token endpoint are not.
    private static string? CallerOf(HttpContext context) =>
        !context.Request.Path.StartsWithSegments("/api") ? null
        : context.User.Identity?.IsAuthenticated == true ? "user:" + context.User.UserId()
        : "address:" + context.Connection.RemoteIpAddress;
}
