using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Commerce.ServiceDefaults.OpenApi;

/// <summary>
/// Each service describes its public endpoints with ASP.NET Core's built-in OpenAPI (<c>/openapi/v1.json</c>): the routes
/// under <c>/api</c>, their request and response types from the <c>TypedResults</c> unions, and the refusals each endpoint
/// declares with <see cref="OpenApiRouteHandlerBuilderExtensions.ProducesProblem"/>. The Gateway merges the five into the
/// storefront's document and adds what it enforces (tokens, rate limit, timeouts).
/// </summary>
public static class ServiceOpenApi
{
    public static TBuilder AddServiceOpenApi<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOpenApi(options =>
        {
            // Only what the storefront may call: /health, /metrics and the OpenAPI document itself are internal.
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
        });
        return builder;
    }
}
