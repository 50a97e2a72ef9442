using Commerce.ServiceDefaults.Auth;
using Commerce.ServiceDefaults.Errors;
using Commerce.Stock.Reservations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Commerce.Stock.Products;

/// <summary><c>GET /api/products/{productId}</c> for anyone and <c>PUT /api/admin/products/{productId}</c> for admins.</summary>
public static class ProductEndpoints
{
    public static IEndpointRouteBuilder MapProductEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/products/{productId}", GetProductAsync).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPut("/api/admin/products/{productId}", PutProductAsync).RequireAuthorization(AuthSettings.AdminPolicy);
        return app;
    }

    private static async Task<Results<Ok<ProductView>, ValidationProblem, ProblemHttpResult>> GetProductAsync(
        string productId, ProductCatalog catalog, CancellationToken cancellationToken)
    {
        if (!Ids.IsWellFormed(productId))
        {
            return Problems.Invalid("productId", "must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'.");
        }

        return await catalog.FindAsync(productId, cancellationToken) is { } product
            ? TypedResults.Ok(product)
            : Problems.NotFound($"Product '{productId}'");
    }

    private static async Task<Results<Ok<ProductView>, ValidationProblem>> PutProductAsync(
        string productId, [FromBody] ProductChange? change, StockLedger ledger, CancellationToken cancellationToken)
    {
        if (ProductChange.Check(productId, change) is { } invalid)
        {
            return Problems.Invalid(invalid.Field, invalid.Message);
        }

        return TypedResults.Ok(await ledger.RestockAsync(
            productId, change!.Name!.Trim(), change.Price!.Value, change.Stock!.Value, cancellationToken));
    }
}
