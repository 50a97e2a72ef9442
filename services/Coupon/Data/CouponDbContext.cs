using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Commerce.Coupon.Data;

/// <summary>
/// The Coupon service's own database (`ConnectionStrings__coupondb`), the truth about campaigns, who holds which
/// coupon and what each order did with it. EF Core owns the schema; rows are changed by hand-written SQL.
/// </summary>
public sealed class CouponDbContext(DbContextOptions<CouponDbContext> options) : DbContext(options)
{
    public DbSet<Campaign> Campaigns => Set<Campaign>();
    public DbSet<CouponIssue> Issues => Set<CouponIssue>();
    public DbSet<CouponRedemption> Redemptions => Set<CouponRedemption>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Campaign>(campaign =>
        {
            campaign.ToTable("coupons", table =>
            {
                table.HasCheckConstraint("ck_coupons_discount_amount", "discount_amount > 0");
                table.HasCheckConstraint("ck_coupons_total_quantity", "total_quantity > 0");
                table.HasCheckConstraint("ck_coupons_window", "starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at");
            });
            campaign.HasKey(c => c.Id);
            campaign.Property(c => c.Id).HasColumnName("id");
            campaign.Property(c => c.Name).HasColumnName("name").HasMaxLength(200);
            campaign.Property(c => c.DiscountAmount).HasColumnName("discount_amount");
            campaign.Property(c => c.TotalQuantity).HasColumnName("total_quantity");
            campaign.Property(c => c.StartsAt).HasColumnName("starts_at");
            campaign.Property(c => c.EndsAt).HasColumnName("ends_at");
            // Bumped by every rebuild of the Redis gate: an issue admitted by an older gate is fenced out (CouponGate).
            campaign.Property(c => c.GateEpoch).HasColumnName("gate_epoch").HasDefaultValue(0L);
            campaign.Property(c => c.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
            campaign.HasIndex(c => c.EndsAt).HasDatabaseName("ix_coupons_ends_at");
        });

        modelBuilder.Entity<CouponIssue>(issue =>
        {
            issue.ToTable("coupon_issues", table =>
            {
                table.HasCheckConstraint("ck_coupon_issues_status", "status IN ('issued', 'used')");
                table.HasCheckConstraint("ck_coupon_issues_used_by_order", "(status = 'used') = (order_id IS NOT NULL)");
            });
            // One coupon per user per campaign: the last line of defence against a duplicate, whatever the gate did.
            issue.HasKey(i => new { i.CouponId, i.UserId });
            issue.Property(i => i.CouponId).HasColumnName("coupon_id");
            issue.Property(i => i.UserId).HasColumnName("user_id").HasMaxLength(64);
            issue.Property(i => i.IssuedAt).HasColumnName("issued_at").HasDefaultValueSql("now()");
            issue.Property(i => i.Status).HasColumnName("status").HasMaxLength(8);
            issue.Property(i => i.OrderId).HasColumnName("order_id");
            issue.Property(i => i.UsedAt).HasColumnName("used_at");
            issue.HasIndex(i => i.UserId).HasDatabaseName("ix_coupon_issues_user");
            // An order uses at most one coupon.
            issue.HasIndex(i => i.OrderId).IsUnique().HasFilter("order_id IS NOT NULL").HasDatabaseName("ux_coupon_issues_order");
            issue.HasOne<Campaign>().WithMany().HasForeignKey(i => i.CouponId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<CouponRedemption>(redemption =>
        {
            redemption.ToTable("coupon_redemptions", table => table.HasCheckConstraint(
                "ck_coupon_redemptions_outcome",
                "outcome IN ('pending', 'redeemed', 'coupon_not_owned', 'coupon_already_used', 'coupon_not_active', 'tombstone')"));
            // One row per order is what makes RedeemCoupon and RestoreCoupon idempotent.
            redemption.HasKey(r => r.OrderId);
            redemption.Property(r => r.OrderId).HasColumnName("order_id");
            redemption.Property(r => r.CouponId).HasColumnName("coupon_id");
            redemption.Property(r => r.UserId).HasColumnName("user_id").HasMaxLength(64);
            redemption.Property(r => r.Outcome).HasColumnName("outcome").HasMaxLength(32);
            redemption.Property(r => r.Discount).HasColumnName("discount");
            redemption.Property(r => r.RestoredAt).HasColumnName("restored_at");
            // How many times RedeemCoupon arrived: redeliveries that changed nothing are visible to operators and tests.
            redemption.Property(r => r.Deliveries).HasColumnName("deliveries").HasDefaultValue(1);
            redemption.Property(r => r.RecordedAt).HasColumnName("recorded_at").HasDefaultValueSql("now()");
        });
    }
}

/// <summary>A coupon campaign: how much each coupon takes off, how many there are, and when they can be had.</summary>
public sealed class Campaign
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public long DiscountAmount { get; set; }
    public int TotalQuantity { get; set; }
    public DateTimeOffset? StartsAt { get; set; }
    public DateTimeOffset? EndsAt { get; set; }
    public long GateEpoch { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One user's coupon of one campaign: Issued, or Used by an order.</summary>
public sealed class CouponIssue
{
    public Guid CouponId { get; set; }
    public required string UserId { get; set; }
    public DateTimeOffset IssuedAt { get; set; }
    public required string Status { get; set; }
    public Guid? OrderId { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}

/// <summary>What an order's RedeemCoupon answered, and whether RestoreCoupon gave the coupon back.</summary>
public sealed class CouponRedemption
{
    public Guid OrderId { get; set; }
    public Guid? CouponId { get; set; }
    public string? UserId { get; set; }
    public required string Outcome { get; set; }
    public long? Discount { get; set; }
    public DateTimeOffset? RestoredAt { get; set; }
    public int Deliveries { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>Lets `dotnet ef migrations add` build the model without a running database.</summary>
public sealed class CouponDbContextDesignTimeFactory : IDesignTimeDbContextFactory<CouponDbContext>
{
    public CouponDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CouponDbContext>().UseNpgsql("Host=design-time-only").Options);
}
