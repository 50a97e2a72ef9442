using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Commerce.Tests.Gateway;

/// <summary>
/// The storefront's contract: the build writes docs/openapi/storefront.json from the services' build-time documents
/// (services/Gateway/Gateway.csproj) and the Gateway serves that file; each running service documents what its build
/// documented, and the committed file is what the build wrote (a contract change is a reviewed diff). Every documented
/// operation answers through the Gateway with one of its documented status codes, for a call with a token and for one
/// without.
/// </summary>
public sealed class StorefrontContractTests(SharedSystem shared)
{
    private const string DocumentPath = "/openapi/storefront.json";
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];
    private static readonly string Written = Path.Combine(RepositoryPaths.Root, "docs", "openapi", "storefront.json");

    /// <summary>The storefront's services: resource name and project (services/Gateway/Gateway.csproj's StorefrontService items).</summary>
    public static readonly TheoryData<string, string> Services = new()
    {
        { "order", "Order" }, { "stock", "Stock" }, { "wallet", "Wallet" }, { "coupon", "Coupon" }, { "notification", "Notification" },
    };

    private readonly CommerceSystem system = shared.System;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_gateway_serves_the_document_the_build_wrote()
    {
        using var client = system.CreateClient();
        var served = await client.GetStringAsync(DocumentPath, Ct);

        Assert.True(File.Exists(Written), $"{Written} is missing: the Gateway's build writes it (dotnet build).");
        Assert.True(await File.ReadAllTextAsync(Written, Ct) == served,
            "The running Gateway's storefront document differs from docs/openapi/storefront.json: the build copies that file next to the Gateway.");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Each_running_service_documents_what_its_build_documented(string resource, string project)
    {
        var built = Path.Combine(RepositoryPaths.Root, "services", project, "obj", "openapi", $"{project}.json");
        Assert.True(File.Exists(built), $"{built} is missing: the service's build writes it (dotnet build).");
        // A cold service builds its document on the first request: give it the time a busy machine needs, once.
        using var client = new HttpClient { BaseAddress = system.ServiceUrl(resource), Timeout = TimeSpan.FromMinutes(2) };
        var running = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json", Ct))!;
        var written = JsonNode.Parse(await File.ReadAllTextAsync(built, Ct))!;

        // What the storefront's document takes from a service's (StorefrontOpenApi.Merge): its paths and its schemas.
        foreach (var part in new[] { "paths", "components" })
        {
            Assert.True(JsonNode.DeepEquals(written[part], running[part]),
                $"{resource}'s running OpenAPI document differs from its build-time one in '{part}' (a setting read only at run time?), " +
                $"so the storefront's document ({DocumentPath}) does not describe it. Running:\n{running[part]?.ToJsonString()}");
        }
    }

    [Fact]
    public async Task The_committed_document_is_the_one_the_build_wrote()
    {
        Assert.SkipUnless(Directory.Exists(Path.Combine(RepositoryPaths.Root, ".git")), "not a git checkout: nothing committed to compare");
        var git = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("git", ["-C", RepositoryPaths.Root, "diff", "--stat", "--", "docs/openapi/storefront.json"])
        {
            RedirectStandardOutput = true,
        })!;
        var diff = await git.StandardOutput.ReadToEndAsync(Ct);
        await git.WaitForExitAsync(Ct);
        Assert.Equal(0, git.ExitCode);
        Assert.True(diff.Length == 0,
            $"The build changed docs/openapi/storefront.json: the code's storefront contract is not the committed one. If the change is meant, review `git diff docs/openapi` and commit it.\n{diff}");
    }

    [Fact]
    public async Task Every_documented_operation_answers_a_documented_status_with_and_without_a_token()
    {
        using var anonymous = system.CreateClient();
        var document = JsonNode.Parse(await anonymous.GetStringAsync(DocumentPath, Ct))!;
        var user = Storefront.UniqueId("u-contract");
        using var asUser = system.CreateClient(user);
        using var asAdmin = system.CreateClient(Storefront.UniqueId("u-contract-admin"), "admin");
        var checkedOperations = 0;

        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var method in Methods.Where(item!.AsObject().ContainsKey))
            {
                var operation = item[method]!.AsObject();
                var documented = operation["responses"]!.AsObject().Select(response => response.Key).ToHashSet();
                var authorized = path.StartsWith("/api/admin/", StringComparison.Ordinal) ? asAdmin : asUser;

                foreach (var (caller, label) in new[] { (authorized, "with a token"), (anonymous, "without a token") })
                {
                    using var request = Request(method, path, operation);
                    using var response = await caller.SendAsync(request, Ct);
                    var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    Assert.True(documented.Contains(status),
                        $"{method.ToUpperInvariant()} {path} {label} answered {status}, not one of {string.Join(", ", documented.Order())}: "
                        + await response.Content.ReadAsStringAsync(Ct));
                }

                checkedOperations++;
            }
        }

        Assert.True(checkedOperations >= 13, $"only {checkedOperations} operations are documented");
    }

    [Fact]
    public async Task The_document_covers_the_public_surface_and_nothing_internal()
    {
        using var client = system.CreateClient();
        var paths = JsonNode.Parse(await client.GetStringAsync(DocumentPath, Ct))!["paths"]!.AsObject().Select(path => path.Key).ToList();

        Assert.All(paths, path => Assert.StartsWith("/api/", path));
        foreach (var expected in new[] { "/api/orders", "/api/orders/{orderId}", "/api/wallet", "/api/wallet/deposits", "/api/products/{productId}",
            "/api/products/ranking", "/api/coupons/{couponId}", "/api/coupons/{couponId}/issue", "/api/coupons/mine", "/api/notifications",
            "/api/admin/products/{productId}", "/api/admin/coupons", "/api/ping" })
        {
            Assert.Contains(expected, paths);
        }

        // A route the Gateway forwards but no service documents does not exist: the service answers 404.
        using var asUser = system.CreateClient(Storefront.UniqueId("u-contract"));
        foreach (var undocumented in new[] { "/api/orders/x/y", "/api/wallet/withdrawals", "/api/notifications/all" })
        {
            using var response = await asUser.GetAsync(undocumented, Ct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    /// <summary>A call as the document describes it: ids made up (a GUID where the schema says uuid), the body its example or empty.</summary>
    private static HttpRequestMessage Request(string method, string path, JsonObject operation)
    {
        var url = path;
        var query = new List<string>();
        foreach (var parameter in (operation["parameters"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = parameter["name"]!.GetValue<string>();
            var value = parameter["schema"]?["format"]?.GetValue<string>() == "uuid" ? Guid.NewGuid().ToString() : $"contract-{Guid.NewGuid():N}"[..20];
            switch (parameter["in"]!.GetValue<string>())
            {
                case "path":
                    url = url.Replace($"{{{name}}}", value, StringComparison.Ordinal);
                    break;
                case "query" when parameter["required"]?.GetValue<bool>() == true:
                    query.Add($"{name}={value}");
                    break;
            }
        }

        var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), query.Count == 0 ? url : $"{url}?{string.Join('&', query)}");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", Guid.NewGuid().ToString("N"));
        if (operation["requestBody"]?["content"]?["application/json"] is JsonObject body)
        {
            request.Content = new StringContent(body["example"]?.ToJsonString() ?? "{}", Encoding.UTF8, "application/json");
        }

        return request;
    }
}
