using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Commerce.ServiceDefaults.Auth;

/// <summary>Settings bound from <c>Auth__Issuer</c>, <c>Auth__Audience</c> and <c>Auth__SigningKey</c> (base64, HS256).</summary>
public sealed record AuthSettings(string Issuer, string Audience, string SigningKey)
{
    public const string AdminPolicy = "admin";
    public const string UserIdClaim = "sub";
    public const string RoleClaim = "role";

    public static AuthSettings From(IConfiguration configuration) => new(
        configuration["Auth:Issuer"] ?? "commerce-dev",
        configuration["Auth:Audience"] ?? "commerce",
        configuration["Auth:SigningKey"]
            ?? throw new InvalidOperationException(
                "Auth:SigningKey is not configured (Auth__SigningKey). The AppHost generates one at start."));

    public SymmetricSecurityKey Key() => new(DecodeKey(SigningKey));

    private static byte[] DecodeKey(string key)
    {
        try
        {
            return Convert.FromBase64String(key);
        }
        catch (FormatException)
        {
            return Encoding.UTF8.GetBytes(key);
        }
    }
}

public static class JwtAuthentication
{
    /// <summary>Validates HS256 bearer tokens; <c>sub</c> is the user id, role <c>admin</c> opens the admin policy.</summary>
    public static TBuilder AddJwtAuthentication<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                var settings = AuthSettings.From(builder.Configuration);
                options.MapInboundClaims = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = settings.Issuer,
                    ValidAudience = settings.Audience,
                    IssuerSigningKey = settings.Key(),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    NameClaimType = AuthSettings.UserIdClaim,
                    RoleClaimType = AuthSettings.RoleClaim,
                    ClockSkew = TimeSpan.FromSeconds(5),
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AuthSettings.AdminPolicy, policy => policy.RequireAuthenticatedUser().RequireRole("admin"));
        return builder;
    }

    /// <summary>The user id (<c>sub</c>) of an authenticated caller.</summary>
    public static string UserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(AuthSettings.UserIdClaim) ?? throw new InvalidOperationException("The token has no sub claim.");
}

/// <summary>Mints development tokens; used by the Gateway's /dev/token, the tests and the load suites.</summary>
public static class DevelopmentTokens
{
    public static string Create(AuthSettings settings, string userId, IEnumerable<string> roles, TimeSpan lifetime, DateTime? now = null)
    {
        var issuedAt = now ?? DateTime.UtcNow;
        var claims = new Dictionary<string, object> { [AuthSettings.UserIdClaim] = userId };
        var roleList = roles.ToArray();
        if (roleList.Length > 0)
        {
            claims[AuthSettings.RoleClaim] = roleList;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            Claims = claims,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + lifetime,
            SigningCredentials = new SigningCredentials(settings.Key(), SecurityAlgorithms.HmacSha256),
        });
    }
}
