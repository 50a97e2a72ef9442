using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Commerce.Coupon.Data;

/// <summary>The Coupon service's own database (`ConnectionStrings__coupondb`).</summary>
public sealed class CouponDbContext(DbContextOptions<CouponDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
    }
}

/// <summary>Lets `dotnet ef migrations add` build the model without a running database.</summary>
public sealed class CouponDbContextDesignTimeFactory : IDesignTimeDbContextFactory<CouponDbContext>
{
    public CouponDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CouponDbContext>().UseNpgsql("Host=design-time-only").Options);
}
