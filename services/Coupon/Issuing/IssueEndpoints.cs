using System.Diagnostics;
using System.Security.Claims;
using Commerce.Coupon.Campaigns;
using Commerce.ServiceDefaults.Auth;
using Commerce.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Coupon.Issuing;

/// <summary>A coupon now held by the caller.</summary>
public sealed record IssuedCoupon(Guid CouponId, string UserId, DateTimeOffset IssuedAt);

/// <summary><c>POST /api/coupons/{couponId}/issue</c>: one coupon of the campaign for the caller, first come first served.</summary>
public static class IssueEndpoints
{
    public const string AlreadyIssued = "already_issued";
    public const string SoldOut = "coupon_sold_out";
    public const string NotActive = "coupon_not_active";
    public const string Unavailable = "unavailable";

    private static readonly TimeSpan SlowAnswer = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapIssueEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/coupons/{couponId}/issue", IssueAsync).RequireAuthorization()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Created<IssuedCoupon>, ValidationProblem, ProblemHttpResult>> IssueAsync(
        string couponId, ClaimsPrincipal user, ICouponIssuance issuance, CouponMetrics metrics, ILogger<IssuedCoupon> logger)
    {
        if (!Guid.TryParse(couponId, out var id))
        {
            return CampaignEndpoints.MalformedCouponId();
        }

        if (user.FindFirstValue(AuthSettings.UserIdClaim) is not { } userId || !Ids.IsWellFormed(userId))
        {
            return Problems.Refused(StatusCodes.Status403Forbidden, "forbidden", "The token's sub is not a well-formed user id.");
        }

        var startedAt = Stopwatch.GetTimestamp();
        var result = await issuance.IssueAsync(id, userId);
        metrics.Issue(result.Outcome);
        // An answer is milliseconds even in a rush; one that took seconds is worth a line (the Gateway gives up at 30 s).
        if (Stopwatch.GetElapsedTime(startedAt) is var elapsed && elapsed >= SlowAnswer)
        {
            logger.LogWarning("Coupon {CouponId}: issue for {UserId} answered {Outcome} after {ElapsedMs:F0} ms",
                id, userId, result.Outcome, elapsed.TotalMilliseconds);
        }

        return result.Outcome switch
        {
            IssueOutcome.Issued => TypedResults.Created((string?)null, new IssuedCoupon(id, userId, result.IssuedAt!.Value)),
            IssueOutcome.AlreadyIssued => Problems.Refused(
                StatusCodes.Status409Conflict, AlreadyIssued, "You already have a coupon of this campaign."),
            IssueOutcome.SoldOut => Problems.Refused(
                StatusCodes.Status410Gone, SoldOut, "Every coupon of this campaign has been issued."),
            IssueOutcome.NotActive => Problems.Refused(
                StatusCodes.Status422UnprocessableEntity, NotActive, "This campaign is not open now."),
            IssueOutcome.NotFound => Problems.NotFound($"Coupon '{id}'"),
            _ => Problems.Refused(
                StatusCodes.Status503ServiceUnavailable, Unavailable, "The coupon could not be issued right now; try again."),
        };
    }
}
