using System.Security.Claims;
using System.Text.Json.Serialization;
using Commerce.ServiceDefaults.Auth;
using Commerce.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Coupon.Redemption;

/// <summary>One of the caller's coupons: <c>Issued</c>, or <c>Used</c> by the order named.</summary>
public sealed record MyCoupon(
    Guid CouponId,
    string Name,
    long DiscountAmount,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? OrderId)
{
    public const string Issued = "Issued";
    public const string Used = "Used";
}

/// <summary><c>GET /api/coupons/mine</c>: the caller's own coupons.</summary>
public static class MyCouponEndpoints
{
    public static IEndpointRouteBuilder MapMyCouponEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/coupons/mine", MineAsync).RequireAuthorization()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<MyCoupon>>, ProblemHttpResult>> MineAsync(
        ClaimsPrincipal user, CouponRedemptions redemptions, CancellationToken cancellationToken)
    {
        if (user.FindFirstValue(AuthSettings.UserIdClaim) is not { } userId || !Ids.IsWellFormed(userId))
        {
            return Problems.Refused(StatusCodes.Status403Forbidden, "forbidden", "The token's sub is not a well-formed user id.");
        }

        return TypedResults.Ok(await redemptions.MineAsync(userId, cancellationToken));
    }
}
