using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Commerce.Testing;

namespace Commerce.Tests.Stock;

/// <summary>The product endpoints through the Gateway: who may change products, what is refused, what is shown.</summary>
public sealed class ProductApiTests(SharedSystem shared)
{
    private readonly StockDriver stock = new(shared.System);

    [Fact]
    public async Task An_admin_creates_a_product_and_anyone_reads_it()
    {
        var productId = StockDriver.NewProductId();

        var created = await stock.Admin.PutAsJsonAsync($"/api/admin/products/{productId}", new { name = "Bibimbap", price = 9_000, stock = 25 }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var expected = new ProductJson(productId, "Bibimbap", 9_000, 25, 0, 0);
        Assert.Equal(expected, await created.Content.ReadFromJsonAsync<ProductJson>(TestContext.Current.CancellationToken));
        Assert.Equal(expected, await stock.ProductAsync(productId));
    }

    [Fact]
    public async Task Restocking_sets_the_available_quantity_and_records_the_difference()
    {
        var productId = await stock.RestockAsync(stock: 50, price: 1_000);

        await stock.RestockAsync(stock: 30, price: 1_100, productId: productId, name: "Renamed");
        await stock.RestockAsync(stock: 45, price: 1_100, productId: productId, name: "Renamed");

        Assert.Equal(new ProductJson(productId, "Renamed", 1_100, 45, 0, 0), await stock.ProductAsync(productId));
        Assert.Equal(new ProductBooks(Available: 45, Reserved: 0, Sold: 0, Restocked: 45), await stock.BooksAsync(productId));
    }

    [Fact]
    public async Task Only_an_admin_may_change_a_product()
    {
        var productId = await stock.RestockAsync(stock: 5, price: 500);
        var body = new { name = "Hijacked", price = 1, stock = 1_000 };

        var asUser = await shared.System.CreateClient("u-shopper").PutAsJsonAsync($"/api/admin/products/{productId}", body, TestContext.Current.CancellationToken);
        var asNobody = await stock.Anonymous.PutAsJsonAsync($"/api/admin/products/{productId}", body, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, asUser.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, asNobody.StatusCode);
        Assert.Equal(new ProductJson(productId, $"Product {productId}", 500, 5, 0, 0), await stock.ProductAsync(productId));
    }

    [Theory]
    [InlineData("""{"price":100,"stock":1}""", "name")]
    [InlineData("""{"name":"","price":100,"stock":1}""", "name")]
    [InlineData("""{"name":"   ","price":100,"stock":1}""", "name")]
    [InlineData("""{"name":"n","stock":1}""", "price")]
    [InlineData("""{"name":"n","price":-1,"stock":1}""", "price")]
    [InlineData("""{"name":"n","price":1000000001,"stock":1}""", "price")]
    [InlineData("""{"name":"n","price":1.5,"stock":1}""", "price")]
    [InlineData("""{"name":"n","price":100}""", "stock")]
    [InlineData("""{"name":"n","price":100,"stock":-1}""", "stock")]
    [InlineData("""{"name":"n","price":100,"stock":1000001}""", "stock")]
    [InlineData("""{"name":"n","price":100,"stock":"many"}""", "stock")]
    public async Task A_bad_product_change_is_a_400_naming_the_field_and_changes_nothing(string body, string field)
    {
        var productId = await stock.RestockAsync(stock: 5, price: 500);

        var response = await stock.Admin.PutAsync(
            $"/api/admin/products/{productId}", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", field);
        Assert.Equal(new ProductJson(productId, $"Product {productId}", 500, 5, 0, 0), await stock.ProductAsync(productId));
    }

    [Fact]
    public async Task A_name_longer_than_200_characters_is_refused()
    {
        var productId = StockDriver.NewProductId();

        var response = await stock.Admin.PutAsJsonAsync($"/api/admin/products/{productId}", new { name = new string('n', 201), price = 1, stock = 1 }, TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", "name");
        Assert.Equal(HttpStatusCode.NotFound, (await stock.Anonymous.GetAsync($"/api/products/{productId}", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Theory]
    [InlineData("ranking")]
    [InlineData("has.dot")]
    [InlineData("p-0123456789012345678901234567890123456789012345678901234567890123456789")]
    public async Task A_product_id_that_could_never_be_read_back_is_refused(string productId)
    {
        var response = await stock.Admin.PutAsJsonAsync($"/api/admin/products/{productId}", new { name = "n", price = 1, stock = 1 }, TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", "productId");
    }

    [Fact]
    public async Task An_unknown_product_is_a_404_problem()
    {
        var response = await stock.Anonymous.GetAsync($"/api/products/{StockDriver.NewProductId()}", TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "not_found", field: null);
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code, string? field)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        if (field is not null)
        {
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }
    }
}
