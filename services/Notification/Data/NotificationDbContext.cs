using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Commerce.Notification.Data;

/// <summary>
/// The Notification service's own database (`ConnectionStrings__notificationdb`). EF Core owns the schema and its
/// migrations; rows are written and read by hand-written SQL in <c>NotificationStore</c>.
/// </summary>
public sealed class NotificationDbContext(DbContextOptions<NotificationDbContext> options) : DbContext(options)
{
    public DbSet<UserNotification> Notifications => Set<UserNotification>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<UserNotification>(notification =>
        {
            notification.ToTable("notifications", table => table.HasCheckConstraint(
                "ck_notifications_kind", "kind IN ('OrderCompleted', 'OrderRejected')"));
            notification.HasKey(n => n.Id);
            notification.Property(n => n.Id).HasColumnName("id");
            notification.Property(n => n.UserId).HasColumnName("user_id").HasMaxLength(64);
            notification.Property(n => n.OrderId).HasColumnName("order_id");
            notification.Property(n => n.Kind).HasColumnName("kind").HasMaxLength(32);
            notification.Property(n => n.Message).HasColumnName("message").HasMaxLength(500);
            notification.Property(n => n.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
            // How many times the event arrived: operators (and tests) see redeliveries that made no second notification.
            notification.Property(n => n.Deliveries).HasColumnName("deliveries").HasDefaultValue(1);
            // One notification per order and event: a redelivered or duplicated event finds its row and adds nothing.
            notification.HasIndex(n => new { n.OrderId, n.Kind }).IsUnique().HasDatabaseName("ux_notifications_order_kind");
            // The one read: a user's newest notifications first.
            notification.HasIndex(n => new { n.UserId, n.CreatedAt })
                .IsDescending(false, true)
                .HasDatabaseName("ix_notifications_user_created");
        });
    }
}

/// <summary>One message shown to a user about one of their orders.</summary>
public sealed class UserNotification
{
    public Guid Id { get; set; }
    public required string UserId { get; set; }
    public Guid OrderId { get; set; }
    public required string Kind { get; set; }
    public required string Message { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public int Deliveries { get; set; }
}

/// <summary>Lets `dotnet ef migrations add` build the model without a running database.</summary>
public sealed class NotificationDbContextDesignTimeFactory : IDesignTimeDbContextFactory<NotificationDbContext>
{
    public NotificationDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<NotificationDbContext>().UseNpgsql("Host=design-time-only").Options);
}
