using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Commerce.Stock.Data;

/// <summary>The Stock service's own database (`ConnectionStrings__stockdb`).</summary>
public sealed class StockDbContext(DbContextOptions<StockDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
    }
}

/// <summary>Lets `dotnet ef migrations add` build the model without a running database.</summary>
public sealed class StockDbContextDesignTimeFactory : IDesignTimeDbContextFactory<StockDbContext>
{
    public StockDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<StockDbContext>().UseNpgsql("Host=design-time-only").Options);
}
