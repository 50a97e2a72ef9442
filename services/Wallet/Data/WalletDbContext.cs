using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Commerce.Wallet.Data;

/// <summary>
/// The Wallet service's own database (`ConnectionStrings__walletdb`). EF Core owns the schema and its migrations; the
/// rows are changed by hand-written SQL in <c>WalletLedger</c>.
/// </summary>
public sealed class WalletDbContext(DbContextOptions<WalletDbContext> options) : DbContext(options)
{
    public DbSet<WalletAccount> Wallets => Set<WalletAccount>();
    public DbSet<LedgerEntry> Ledger => Set<LedgerEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<WalletAccount>(wallet =>
        {
            // The database, not only the code, refuses to overdraw: no statement can hold more than the balance.
            wallet.ToTable("wallets", table => table.HasCheckConstraint("ck_wallets_reserved", "reserved >= 0 AND reserved <= balance"));
            wallet.HasKey(w => w.UserId);
            wallet.Property(w => w.UserId).HasColumnName("user_id").HasMaxLength(64);
            wallet.Property(w => w.Balance).HasColumnName("balance");
            wallet.Property(w => w.Reserved).HasColumnName("reserved");
            wallet.Property(w => w.UpdatedAt).HasColumnName("updated_at").HasDefaultValueSql("now()");
        });

        modelBuilder.Entity<LedgerEntry>(entry =>
        {
            entry.ToTable("wallet_ledger", table =>
            {
                table.HasCheckConstraint("ck_wallet_ledger_kind", "kind IN ('deposit', 'reserve', 'capture', 'release')");
                table.HasCheckConstraint("ck_wallet_ledger_amount", "amount >= 0");
                table.HasCheckConstraint(
                    "ck_wallet_ledger_key",
                    "(kind = 'deposit' AND idempotency_key IS NOT NULL AND user_id IS NOT NULL AND order_id IS NULL) OR (kind <> 'deposit' AND idempotency_key IS NULL AND order_id IS NOT NULL)");
                table.HasCheckConstraint("ck_wallet_ledger_settled_by", "settled_by IS NULL OR settled_by IN ('capture', 'release')");
            });
            entry.HasKey(e => e.Id);
            entry.Property(e => e.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            entry.Property(e => e.UserId).HasColumnName("user_id").HasMaxLength(64);
            entry.Property(e => e.OrderId).HasColumnName("order_id");
            entry.Property(e => e.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(100);
            entry.Property(e => e.Kind).HasColumnName("kind").HasMaxLength(16);
            entry.Property(e => e.Amount).HasColumnName("amount");
            entry.Property(e => e.Outcome).HasColumnName("outcome").HasMaxLength(32);
            entry.Property(e => e.SettledBy).HasColumnName("settled_by").HasMaxLength(16);
            // How many times the step's message (or the deposit request) arrived: redeliveries that changed nothing show.
            entry.Property(e => e.Deliveries).HasColumnName("deliveries").HasDefaultValue(1);
            entry.Property(e => e.RecordedAt).HasColumnName("recorded_at").HasDefaultValueSql("now()");
            // One row per (order, kind) makes every saga message idempotent; one per (user, key) makes a deposit happen once.
            entry.HasIndex(e => new { e.OrderId, e.Kind }).IsUnique()
                .HasFilter("order_id IS NOT NULL").HasDatabaseName("ux_wallet_ledger_order_kind");
            entry.HasIndex(e => new { e.UserId, e.IdempotencyKey }).IsUnique()
                .HasFilter("idempotency_key IS NOT NULL").HasDatabaseName("ux_wallet_ledger_deposit_key");
        });
    }
}

/// <summary>A user's money: <c>available = balance - reserved</c>.</summary>
public sealed class WalletAccount
{
    public required string UserId { get; set; }
    public long Balance { get; set; }
    public long Reserved { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One movement of money (a deposit, or an order's reserve, capture or release) and what came of it.</summary>
public sealed class LedgerEntry
{
    public long Id { get; set; }
    public string? UserId { get; set; }
    public Guid? OrderId { get; set; }
    public string? IdempotencyKey { get; set; }
    public required string Kind { get; set; }
    public long Amount { get; set; }
    public required string Outcome { get; set; }
    public string? SettledBy { get; set; }
    public int Deliveries { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>Lets `dotnet ef migrations add` build the model without a running database.</summary>
public sealed class WalletDbContextDesignTimeFactory : IDesignTimeDbContextFactory<WalletDbContext>
{
    public WalletDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<WalletDbContext>().UseNpgsql("Host=design-time-only").Options);
}
