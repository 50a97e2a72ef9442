using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Commerce.Stock.Data;

/// <summary>
/// The Stock service's own database (`ConnectionStrings__stockdb`). EF Core owns the schema and its migrations; the
/// rows are changed by hand-written SQL in <c>StockLedger</c>, <c>ProductCatalog</c> and <c>SalesRanking</c>.
/// </summary>
public sealed class StockDbContext(DbContextOptions<StockDbContext> options) : DbContext(options)
{
    public DbSet<Product> Products => Set<Product>();
    public DbSet<StockStep> Steps => Set<StockStep>();
    public DbSet<StockMovement> Movements => Set<StockMovement>();
    public DbSet<RankingCount> RankingCounted => Set<RankingCount>();
    public DbSet<RankingSale> RankingSales => Set<RankingSale>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Product>(product =>
        {
            // The database, not only the code, refuses to oversell: no statement can leave a negative quantity.
            product.ToTable("products", table =>
            {
                table.HasCheckConstraint("ck_products_available", "available >= 0");
                table.HasCheckConstraint("ck_products_reserved", "reserved >= 0");
                table.HasCheckConstraint("ck_products_sold", "sold >= 0");
                table.HasCheckConstraint("ck_products_price", "price >= 0");
            });
            product.HasKey(p => p.ProductId);
            product.Property(p => p.ProductId).HasColumnName("product_id").HasMaxLength(64);
            product.Property(p => p.Name).HasColumnName("name").HasMaxLength(200);
            product.Property(p => p.Price).HasColumnName("price");
            product.Property(p => p.Available).HasColumnName("available");
            product.Property(p => p.Reserved).HasColumnName("reserved");
            product.Property(p => p.Sold).HasColumnName("sold");
            product.Property(p => p.UpdatedAt).HasColumnName("updated_at").HasDefaultValueSql("now()");
        });

        modelBuilder.Entity<StockStep>(step =>
        {
            step.ToTable("stock_steps", table =>
            {
                table.HasCheckConstraint("ck_stock_steps_kind", "kind IN ('reserve', 'commit', 'release')");
                table.HasCheckConstraint("ck_stock_steps_settled_by", "settled_by IS NULL OR settled_by IN ('commit', 'release')");
            });
            // One row per (order, kind) is what makes every message idempotent.
            step.HasKey(s => new { s.OrderId, s.Kind });
            step.Property(s => s.OrderId).HasColumnName("order_id");
            step.Property(s => s.Kind).HasColumnName("kind").HasMaxLength(16);
            step.Property(s => s.Outcome).HasColumnName("outcome").HasMaxLength(32);
            step.Property(s => s.SettledBy).HasColumnName("settled_by").HasMaxLength(16);
            // How many times the step's message arrived: operators (and tests) see redeliveries that changed nothing.
            step.Property(s => s.Deliveries).HasColumnName("deliveries").HasDefaultValue(1);
            step.Property(s => s.RecordedAt).HasColumnName("recorded_at").HasDefaultValueSql("now()");
        });

        modelBuilder.Entity<StockMovement>(movement =>
        {
            movement.ToTable("stock_movements", table => table.HasCheckConstraint(
                "ck_stock_movements_kind", "kind IN ('reserve', 'commit', 'release', 'restock')"));
            movement.HasKey(m => m.Id);
            movement.Property(m => m.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            movement.Property(m => m.OrderId).HasColumnName("order_id");
            movement.Property(m => m.Kind).HasColumnName("kind").HasMaxLength(16);
            movement.Property(m => m.ProductId).HasColumnName("product_id").HasMaxLength(64);
            movement.Property(m => m.Quantity).HasColumnName("quantity");
            movement.Property(m => m.UnitPrice).HasColumnName("unit_price");
            movement.Property(m => m.RecordedAt).HasColumnName("recorded_at").HasDefaultValueSql("now()");
            movement.HasIndex(m => new { m.OrderId, m.Kind }).HasDatabaseName("ix_stock_movements_order_kind");
            movement.HasIndex(m => new { m.ProductId, m.Kind }).HasDatabaseName("ix_stock_movements_product_kind");
            movement.HasOne<Product>().WithMany().HasForeignKey(m => m.ProductId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<RankingCount>(count =>
        {
            // Keyed by order: an OrderCompleted delivered twice is counted once.
            count.ToTable("ranking_counted");
            count.HasKey(c => c.OrderId);
            count.Property(c => c.OrderId).HasColumnName("order_id");
            count.Property(c => c.Deliveries).HasColumnName("deliveries").HasDefaultValue(1);
            count.Property(c => c.CountedAt).HasColumnName("counted_at").HasDefaultValueSql("now()");
        });

        modelBuilder.Entity<RankingSale>(sale =>
        {
            // What each counted order added, so a ranking Redis lost is rebuilt exactly.
            sale.ToTable("ranking_sales", table => table.HasCheckConstraint("ck_ranking_sales_quantity", "quantity > 0"));
            sale.HasKey(s => new { s.OrderId, s.ProductId });
            sale.Property(s => s.OrderId).HasColumnName("order_id");
            sale.Property(s => s.ProductId).HasColumnName("product_id").HasMaxLength(64);
            sale.Property(s => s.Quantity).HasColumnName("quantity");
            sale.HasOne<RankingCount>().WithMany().HasForeignKey(s => s.OrderId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}

/// <summary>A product on sale: its price and where each unit is (on sale, held by an order, sold).</summary>
public sealed class Product
{
    public required string ProductId { get; set; }
    public required string Name { get; set; }
    public long Price { get; set; }
    public long Available { get; set; }
    public long Reserved { get; set; }
    public long Sold { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>What happened to one saga step of one order; the key of idempotency.</summary>
public sealed class StockStep
{
    public Guid OrderId { get; set; }
    public required string Kind { get; set; }
    public required string Outcome { get; set; }
    public string? SettledBy { get; set; }
    public int Deliveries { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>One product's quantity moved by a step (or by a restock, which has no order).</summary>
public sealed class StockMovement
{
    public long Id { get; set; }
    public Guid? OrderId { get; set; }
    public required string Kind { get; set; }
    public required string ProductId { get; set; }
    public long Quantity { get; set; }
    public long? UnitPrice { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>A completed order already added to the sales ranking.</summary>
public sealed class RankingCount
{
    public Guid OrderId { get; set; }
    public int Deliveries { get; set; }
    public DateTimeOffset CountedAt { get; set; }
}

/// <summary>One product's quantity a counted order added to the ranking.</summary>
public sealed class RankingSale
{
    public Guid OrderId { get; set; }
    public required string ProductId { get; set; }
    public long Quantity { get; set; }
}

/// <summary>Lets `dotnet ef migrations add` build the model without a running database.</summary>
public sealed class StockDbContextDesignTimeFactory : IDesignTimeDbContextFactory<StockDbContext>
{
    public StockDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<StockDbContext>().UseNpgsql("Host=design-time-only").Options);
}
