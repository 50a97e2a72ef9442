using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Commerce.Wallet.Data.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "wallet_ledger",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    order_id = table.Column<Guid>(type: "uuid", nullable: true),
                    idempotency_key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    amount = table.Column<long>(type: "bigint", nullable: false),
                    outcome = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    settled_by = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    deliveries = table.Column<int>(type: "integer", nullable: false, defaultValue: 1),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_wallet_ledger", x => x.id);
                    table.CheckConstraint("ck_wallet_ledger_amount", "amount >= 0");
                    table.CheckConstraint("ck_wallet_ledger_key", "(kind = 'deposit' AND idempotency_key IS NOT NULL AND user_id IS NOT NULL AND order_id IS NULL) OR (kind <> 'deposit' AND idempotency_key IS NULL AND order_id IS NOT NULL)");
                    table.CheckConstraint("ck_wallet_ledger_kind", "kind IN ('deposit', 'reserve', 'capture', 'release')");
                    table.CheckConstraint("ck_wallet_ledger_settled_by", "settled_by IS NULL OR settled_by IN ('capture', 'release')");
                });

            migrationBuilder.CreateTable(
                name: "wallets",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    balance = table.Column<long>(type: "bigint", nullable: false),
                    reserved = table.Column<long>(type: "bigint", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_wallets", x => x.user_id);
                    table.CheckConstraint("ck_wallets_reserved", "reserved >= 0 AND reserved <= balance");
                });

            migrationBuilder.CreateIndex(
                name: "ux_wallet_ledger_deposit_key",
                table: "wallet_ledger",
                columns: new[] { "user_id", "idempotency_key" },
                unique: true,
                filter: "idempotency_key IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ux_wallet_ledger_order_kind",
                table: "wallet_ledger",
                columns: new[] { "order_id", "kind" },
                unique: true,
                filter: "order_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "wallet_ledger");

            migrationBuilder.DropTable(
                name: "wallets");
        }
    }
}
