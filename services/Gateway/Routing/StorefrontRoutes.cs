using Commerce.ServiceDefaults.Auth;
using Commerce.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http.Timeouts;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Commerce.Gateway.Routing;

/// <summary>
/// Every path of docs/api.md, mapped to the service that owns it, with who may call it. Destinations are service names
/// (<c>http://stock</c>) that Aspire's service discovery resolves (<c>services__stock__http__0</c>, ...), never addresses in code.
/// </summary>
public static class StorefrontRoutes
{
    public const string Anyone = "anonymous";
    private const string AnyUser = "default";
    private const string TimeoutPolicy = "storefront";

    public static readonly string[] Services = ["order", "stock", "wallet", "coupon", "notification"];

    private static IEnumerable<RouteConfig> Routes() =>
    [
        // A trivial answer through the whole proxy path: the load suites' calibration point.
        Route("ping", "stock", "/api/ping", Anyone, "GET"),
        Route("products-read", "stock", "/api/products/{**rest}", Anyone, "GET"),
        Route("admin-products", "stock", "/api/admin/products/{**rest}", AuthSettings.AdminPolicy),
        Route("wallet", "wallet", "/api/wallet/{**rest}", AnyUser),
        Route("coupons-read", "coupon", "/api/coupons/{couponId}", Anyone, "GET"),
        // A literal segment outranks {couponId}: "mine" is the caller's own list, not a coupon id.
        Route("coupons-mine", "coupon", "/api/coupons/mine", AnyUser),
        Route("coupons-issue", "coupon", "/api/coupons/{couponId}/issue", AnyUser, "POST"),
        Route("admin-coupons", "coupon", "/api/admin/coupons/{**rest}", AuthSettings.AdminPolicy),
        Route("orders", "order", "/api/orders/{**rest}", AnyUser),
        Route("notifications", "notification", "/api/notifications/{**rest}", AnyUser),
    ];

    /// <summary>
    /// The authorization policy the route that serves <paramref name="path"/> (as documented, with {parameters}) enforces:
    /// literal routes outrank parameters, and parameters outrank catch-alls, as YARP orders them.
    /// </summary>
    public static string PolicyFor(string path, string method)
    {
        var routes = Routes()
            .Where(route => route.Match.Methods is null || route.Match.Methods.Contains(method, StringComparer.OrdinalIgnoreCase))
            .OrderBy(route => route.Match.Path!.Contains("{**", StringComparison.Ordinal) ? 2 : route.Match.Path!.Contains('{') ? 1 : 0);
        foreach (var route in routes)
        {
            var matcher = new Microsoft.AspNetCore.Routing.Template.TemplateMatcher(
                Microsoft.AspNetCore.Routing.Template.TemplateParser.Parse(route.Match.Path!), new RouteValueDictionary());
            if (matcher.TryMatch(path, new RouteValueDictionary())) return route.AuthorizationPolicy!;
        }

        throw new InvalidOperationException($"No Gateway route serves {method} {path}: the storefront cannot call it.");
    }

    private static RouteConfig Route(string id, string service, string path, string policy, params string[] methods) => new()
    {
        RouteId = id,
        ClusterId = service,
        AuthorizationPolicy = policy,
        TimeoutPolicy = TimeoutPolicy,
        Match = new RouteMatch { Path = path, Methods = methods.Length == 0 ? null : methods },
    };

    /// <summary>
    /// Says what a failed forward means for the client, where YARP's own status would mislead it. YARP answers 400 when
    /// copying the request body "failed on the client's side", and it says so too when the service died under the copy:
    /// a kill -9 of a service mid-rush gave the storefront 400s for valid orders, answers a client must not retry. While
    /// the client is still connected the failure was the destination's: 502, which a client retries with the same
    /// Idempotency-Key. YARP also answers 400 whenever <c>RequestAborted</c> fired, and the request timeout fires that
    /// token too: an order POST that outlived <c>Gateway__RequestTimeoutSeconds</c> in CI read 400 ("fix the request")
    /// where docs/api.md promises 504 ("the outcome is unknown; retry with the same key").
    /// </summary>
    public static async Task AnswerForTheDestination(HttpContext context, Func<Task> next)
    {
        await next();
        if (context.GetForwarderErrorFeature()?.Error is not { } error || error == ForwarderError.None || context.Response.HasStarted)
        {
            return;
        }

        if (context.Features.Get<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true)
        {
            context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
        }
        else if (error is ForwarderError.RequestBodyClient or ForwarderError.RequestBodyCanceled && !context.RequestAborted.IsCancellationRequested)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
        }
    }

    public static WebApplicationBuilder AddStorefrontRoutes(this WebApplicationBuilder builder)
    {
        // Without a cap the proxy opens one connection to a service per request in flight: a coupon rush on the slow
        // DbLock gate held 10,000 at once, the Gateway ran out of file descriptors (10,000 in, 10,000 out) and crashed.
        // Past the cap, requests wait in the Gateway for a free connection (and its request timeout still applies).
        var maxConnections = builder.Configuration.GetValue("Gateway:MaxConnectionsPerService", 1024);
        var clusters = Services.Select(service => new ClusterConfig
        {
            ClusterId = service,
            HttpClient = new HttpClientConfig { MaxConnectionsPerServer = maxConnections },
            Destinations = new Dictionary<string, DestinationConfig>
            {
                [service] = new() { Address = $"http://{service}" },
            },
        }).ToList();

        var timeout = TimeSpan.FromSeconds(builder.Configuration.GetValue("Gateway:RequestTimeoutSeconds", 30));
        builder.Services.AddRequestTimeouts(options => options.AddPolicy(TimeoutPolicy, new RequestTimeoutPolicy
        {
            Timeout = timeout,
            TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
        }));
        builder.Services.AddReverseProxy().LoadFromMemory([.. Routes()], clusters).AddServiceDiscoveryDestinationResolver();
        return builder;
    }

    public static WebApplication MapStorefrontRoutes(this WebApplication app)
    {
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(AnswerForTheDestination);
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        // Admin paths no service owns are still admin-only: a non-admin learns 403, not what exists.
        app.MapFallback("/api/admin/{**rest}", () => Problems.NotFound("The admin resource"))
            .RequireAuthorization(AuthSettings.AdminPolicy);
        return app;
    }
}
