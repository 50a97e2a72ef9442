using Commerce.Coupon.Issuing;
using Commerce.ServiceDefaults.Auth;
using Commerce.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using StackExchange.Redis;

namespace Commerce.Coupon.Campaigns;

/// <summary><c>POST /api/admin/coupons</c> for admins and <c>GET /api/coupons/{couponId}</c> for anyone.</summary>
public static class CampaignEndpoints
{
    public static IEndpointRouteBuilder MapCampaignEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/admin/coupons", CreateAsync).RequireAuthorization(AuthSettings.AdminPolicy);
        app.MapGet("/api/coupons/{couponId}", GetAsync).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>The 400 for a path id that is not a GUID (a 404 would hide the client's mistake).</summary>
    public static ValidationProblem MalformedCouponId() => Problems.Invalid("couponId", "must be a GUID.");

    private static async Task<Results<Created<CampaignView>, ValidationProblem>> CreateAsync(
        [FromBody] NewCampaign? campaign,
        CampaignCatalog catalog,
        ICouponIssuance issuance,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        if (NewCampaign.Check(campaign) is { } invalid)
        {
            return Problems.Invalid(invalid.Field, invalid.Message);
        }

        var created = await catalog.CreateAsync(campaign!, cancellationToken);
        try
        {
            await issuance.PrepareAsync(created.CouponId, cancellationToken);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // PostgreSQL has the campaign; the first issue request builds its gate.
            loggers.CreateLogger(typeof(CampaignEndpoints)).LogWarning(exception, "Coupon {CouponId}: gate not built yet", created.CouponId);
        }

        return TypedResults.Created($"/api/coupons/{created.CouponId}", created);
    }

    private static async Task<Results<Ok<CampaignView>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string couponId, CampaignCatalog catalog, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(couponId, out var id))
        {
            return MalformedCouponId();
        }

        return await catalog.FindAsync(id, cancellationToken) is { } campaign
            ? TypedResults.Ok(campaign)
            : Problems.NotFound($"Coupon '{id}'");
    }
}
