using System.Security.Claims;
using Commerce.ServiceDefaults.Auth;
using Commerce.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Notification.Notifications;

/// <summary><c>GET /api/notifications?limit=20</c>: the caller's own notifications (the token's <c>sub</c>), newest first.</summary>
public static class NotificationEndpoints
{
    public static IEndpointRouteBuilder MapNotificationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/notifications", ListAsync).RequireAuthorization()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<NotificationView>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        string? limit, ClaimsPrincipal user, NotificationStore store, CancellationToken cancellationToken)
    {
        if (user.FindFirstValue(AuthSettings.UserIdClaim) is not { } userId || !Ids.IsWellFormed(userId))
        {
            return Problems.Refused(StatusCodes.Status403Forbidden, "forbidden", "The token's sub is not a well-formed user id.");
        }

        if (NotificationQuery.ParseLimit(limit) is not { } count)
        {
            return Problems.Invalid("limit", $"must be a whole number from 1 to {NotificationQuery.MaxLimit}.");
        }

        return TypedResults.Ok(await store.ListAsync(userId, count, cancellationToken));
    }
}
