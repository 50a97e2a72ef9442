using System.Security.Claims;
using Commerce.Order.Data;
using Commerce.ServiceDefaults.Auth;
using Commerce.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Commerce.Order.Reading;

public static class OrderQueryEndpoints
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    /// <summary><c>GET /api/orders/{orderId}</c> (owner only; anyone else gets 404) and <c>GET /api/orders</c> (newest first, keyset paging).</summary>
    public static RouteGroupBuilder MapOrderQueries(this RouteGroupBuilder orders)
    {
        orders.MapGet("/{orderId}", GetOrderAsync).ProducesProblem(StatusCodes.Status404NotFound);
        orders.MapGet("/", ListOrdersAsync);
        return orders;
    }

    private static async Task<Results<Ok<OrderView>, ValidationProblem, ProblemHttpResult>> GetOrderAsync(
        string orderId, ClaimsPrincipal user, OrderDbContext db, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(orderId, out var id))
        {
            return Problems.Invalid("orderId", "must be an order id (a GUID).");
        }

        var userId = user.UserId();
        var order = await db.Orders.AsNoTracking().Include(o => o.Items)
            .SingleOrDefaultAsync(o => o.OrderId == id && o.UserId == userId, cancellationToken);
        return order is null ? Problems.NotFound("The order") : TypedResults.Ok(OrderView.From(order));
    }

    private static async Task<Results<Ok<List<OrderView>>, ValidationProblem>> ListOrdersAsync(
        ClaimsPrincipal user, OrderDbContext db, CancellationToken cancellationToken, string? limit = null, string? before = null)
    {
        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, out take) || take is < 1 or > MaxLimit))
        {
            return Problems.Invalid("limit", $"must be 1-{MaxLimit}.");
        }

        var userId = user.UserId();
        var query = db.Orders.AsNoTracking().Where(o => o.UserId == userId);
        if (before is not null)
        {
            if (!Guid.TryParse(before, out var beforeId))
            {
                return Problems.Invalid("before", "must be an order id (a GUID).");
            }

            var anchor = await db.Orders.AsNoTracking()
                .Where(o => o.OrderId == beforeId && o.UserId == userId)
                .Select(o => new { o.CreatedAt, o.OrderId })
                .SingleOrDefaultAsync(cancellationToken);
            if (anchor is null)
            {
                return Problems.Invalid("before", "is not one of your orders.");
            }

            query = query.Where(o => o.CreatedAt < anchor.CreatedAt || (o.CreatedAt == anchor.CreatedAt && o.OrderId < anchor.OrderId));
        }

        var page = await query
            .OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.OrderId)
            .Take(take)
            .Include(o => o.Items)
            .AsSplitQuery()
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(page.Select(OrderView.From).ToList());
    }
}
