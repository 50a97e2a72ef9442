using Commerce.ServiceDefaults.Auth;
using Commerce.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Gateway.DevTokens;

/// <summary><c>POST /dev/token {"sub","roles"}</c>: a signed token for local use. Mapped only in Development.</summary>
public static class DevTokenEndpoint
{
    public sealed record TokenRequest(string? Sub, string[]? Roles);

    public sealed record TokenResponse(string Token);

    public static IEndpointRouteBuilder MapDevTokens(this IEndpointRouteBuilder app)
    {
        app.MapPost("/dev/token", Results<Ok<TokenResponse>, ValidationProblem> (TokenRequest request, IConfiguration configuration) =>
        {
            if (!Ids.IsWellFormed(request.Sub))
            {
                return Problems.Invalid("sub", "must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'.");
            }

            var roles = request.Roles ?? [];
            if (roles.Any(role => !Ids.IsWellFormed(role)))
            {
                return Problems.Invalid("roles", "each role must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'.");
            }

            var token = DevelopmentTokens.Create(AuthSettings.From(configuration), request.Sub!, roles, TimeSpan.FromHours(8));
            return TypedResults.Ok(new TokenResponse(token));
        }).AllowAnonymous();
        return app;
    }
}
