using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Commerce.Stock.Data.Migrations
{
    /// <inheritdoc />
    public partial class RankingTotals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ranking_totals",
                columns: table => new
                {
                    product_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    sold = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ranking_totals", x => x.product_id);
                    table.CheckConstraint("ck_ranking_totals_sold", "sold >= 0");
                });

            // Keep what was already counted: the totals are the per-product sums of the old rows.
            migrationBuilder.Sql(
                "INSERT INTO ranking_totals (product_id, sold) SELECT product_id, sum(quantity) FROM ranking_sales GROUP BY product_id;");

            migrationBuilder.DropTable(
                name: "ranking_sales");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ranking_totals");

            migrationBuilder.CreateTable(
                name: "ranking_sales",
                columns: table => new
                {
                    order_id = table.Column<Guid>(type: "uuid", nullable: false),
                    product_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    quantity = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ranking_sales", x => new { x.order_id, x.product_id });
                    table.CheckConstraint("ck_ranking_sales_quantity", "quantity > 0");
                    table.ForeignKey(
                        name: "FK_ranking_sales_ranking_counted_order_id",
                        column: x => x.order_id,
                        principalTable: "ranking_counted",
                        principalColumn: "order_id",
                        onDelete: ReferentialAction.Cascade);
                });
        }
    }
}
