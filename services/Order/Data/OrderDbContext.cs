using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Commerce.Order.Data;

/// <summary>
/// The Order service's own database (`ConnectionStrings__orderdb`): orders with their items, and the outbox. An order
/// row is also its saga's durable state, so a saga step and the commands it sends commit in one transaction.
/// </summary>
public sealed class OrderDbContext(DbContextOptions<OrderDbContext> options) : DbContext(options)
{
    // Only orders are queried through EF (the reads, the timeout sweep); the lines and the outbox are in the model for
    // the migrations, and written in plain SQL (OrderPlacement, OrderSagaStore, OutboxWriter).
    public DbSet<OrderRecord> Orders => Set<OrderRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OrderRecord>(order =>
        {
            order.ToTable("orders", table =>
            {
                table.HasCheckConstraint("ck_orders_status", "status IN ('Pending', 'Completed', 'Rejected')");
                table.HasCheckConstraint("ck_orders_money", "subtotal >= 0 AND discount >= 0 AND total >= 0");
            });
            order.HasKey(o => o.OrderId);
            order.Property(o => o.OrderId).HasColumnName("order_id");
            order.Property(o => o.UserId).HasColumnName("user_id").HasMaxLength(64);
            order.Property(o => o.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(100);
            order.Property(o => o.RequestHash).HasColumnName("request_hash").HasMaxLength(64);
            order.Property(o => o.Status).HasColumnName("status").HasMaxLength(16);
            order.Property(o => o.Step).HasColumnName("step").HasMaxLength(32).HasConversion<string>();
            order.Property(o => o.Reason).HasColumnName("reason").HasMaxLength(32);
            order.Property(o => o.CouponId).HasColumnName("coupon_id");
            order.Property(o => o.Subtotal).HasColumnName("subtotal");
            order.Property(o => o.Discount).HasColumnName("discount");
            order.Property(o => o.Total).HasColumnName("total");
            order.Property(o => o.StockReserved).HasColumnName("stock_reserved");
            order.Property(o => o.CouponRedeemed).HasColumnName("coupon_redeemed");
            order.Property(o => o.FundsReserved).HasColumnName("funds_reserved");
            order.Property(o => o.StepStartedAt).HasColumnName("step_started_at");
            order.Property(o => o.StepDeadline).HasColumnName("step_deadline");
            order.Property(o => o.CreatedAt).HasColumnName("created_at");
            order.Property(o => o.UpdatedAt).HasColumnName("updated_at");
            // The last line of defence behind the per-user lock: one key, one order.
            order.HasIndex(o => new { o.UserId, o.IdempotencyKey }).IsUnique().HasDatabaseName("ux_orders_user_idempotency_key");
            order.HasIndex(o => new { o.UserId, o.CreatedAt, o.OrderId }).IsDescending(false, true, true).HasDatabaseName("ix_orders_user_newest");
            // The timeout sweeper looks only at pending orders.
            order.HasIndex(o => o.StepDeadline).HasFilter("status = 'Pending'").HasDatabaseName("ix_orders_pending_deadline");
            order.HasMany(o => o.Items).WithOne().HasForeignKey(i => i.OrderId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<OrderItemRecord>(item =>
        {
            item.ToTable("order_items", table => table.HasCheckConstraint("ck_order_items_quantity", "quantity BETWEEN 1 AND 1000"));
            item.HasKey(i => new { i.OrderId, i.LineNumber });
            item.Property(i => i.OrderId).HasColumnName("order_id");
            item.Property(i => i.LineNumber).HasColumnName("line_number");
            item.Property(i => i.ProductId).HasColumnName("product_id").HasMaxLength(64);
            item.Property(i => i.Quantity).HasColumnName("quantity");
            item.Property(i => i.UnitPrice).HasColumnName("unit_price");
        });

        modelBuilder.Entity<OutboxMessage>(message =>
        {
            message.ToTable("outbox_messages");
            message.HasKey(m => m.Id);
            message.Property(m => m.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            message.Property(m => m.MessageType).HasColumnName("message_type").HasMaxLength(200);
            message.Property(m => m.Body).HasColumnName("body").HasColumnType("jsonb");
            message.Property(m => m.CreatedAt).HasColumnName("created_at");
            message.Property(m => m.TraceParent).HasColumnName("trace_parent").HasMaxLength(128);
        });
    }
}

/// <summary>
/// Where an order's saga is; Completed and Rejected are final. Releasing waits for the participants to confirm their
/// compensations, so a rejected order reads Pending until nothing of it is held. ReservingStockAndFunds is the two takes
/// at once (an order priced at placement, without a coupon); the others are the sequential path. Stored by name.
/// </summary>
public enum OrderStep { ReservingStock, RedeemingCoupon, ReservingFunds, Releasing, Completed, Rejected, ReservingStockAndFunds }

/// <summary>An order and its saga state.</summary>
public sealed class OrderRecord
{
    public Guid OrderId { get; set; }
    public required string UserId { get; set; }
    public required string IdempotencyKey { get; set; }
    public required string RequestHash { get; set; }
    public string Status { get; set; } = OrderStatus.Pending;
    public OrderStep Step { get; set; }
    public string? Reason { get; set; }
    public Guid? CouponId { get; set; }
    public long Subtotal { get; set; }
    public long Discount { get; set; }
    public long Total { get; set; }
    // True while the participant may hold something of the order that is not yet settled: stock reserved but not sold
    // or released, money held but not taken or released, a coupon used (for good once Completed). While Releasing after a
    // timeout, "may": the timed-out step's command can still arrive, so it is released too and waited for.
    public bool StockReserved { get; set; }
    public bool CouponRedeemed { get; set; }
    public bool FundsReserved { get; set; }
    public DateTimeOffset StepStartedAt { get; set; }
    public DateTimeOffset StepDeadline { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<OrderItemRecord> Items { get; set; } = [];
}

public static class OrderStatus
{
    public const string Pending = "Pending";
    public const string Completed = "Completed";
    public const string Rejected = "Rejected";
}

/// <summary>One line of an order; the unit price is read from Stock at placement, or known once Stock has reserved it.</summary>
public sealed class OrderItemRecord
{
    public Guid OrderId { get; set; }
    public int LineNumber { get; set; }
    public required string ProductId { get; set; }
    public int Quantity { get; set; }
    public long? UnitPrice { get; set; }
}

/// <summary>A message committed with the state change that caused it, waiting for the relay to publish it.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }
    public required string MessageType { get; set; }
    public required string Body { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The W3C traceparent of what caused it, so its publish and everything downstream join the same trace.</summary>
    public string? TraceParent { get; set; }
}

/// <summary>Lets `dotnet ef migrations add` build the model without a running database.</summary>
public sealed class OrderDbContextDesignTimeFactory : IDesignTimeDbContextFactory<OrderDbContext>
{
    public OrderDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<OrderDbContext>().UseNpgsql("Host=design-time-only").Options);
}
