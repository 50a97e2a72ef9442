using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Commerce.LoadTests.Harness;
using Commerce.LoadTests.Suites.Shared;

namespace Commerce.LoadTests.Suites;

/// <summary>
/// An ordinary busy hour: people browse far more than they buy. Reads (a product, the ranking, their orders, their
/// wallet) and writes (orders, deposits) arrive side by side at a fixed total rate (open model), each scenario at its
/// share; afterwards the invariants (docs/architecture.md) are checked like after the lunch rush.
/// </summary>
public static class StorefrontMixSuite
{
    private const int Users = 2_000;
    private const int Products = 20;
    private const long FirstDeposit = 500_000;
    private const long TopUp = 10_000;

    /// <summary>Share of the arrivals per scenario: what one storefront's access log looks like, roughly.</summary>
    private static readonly (string Name, double Share)[] Mix =
    [
        ("view-product", 0.45),
        ("ranking", 0.15),
        ("my-orders", 0.10),
        ("my-wallet", 0.10),
        ("place-order", 0.15),
        ("deposit", 0.05),
    ];

    public static async Task<int> RunAsync(SuiteOptions options)
    {
        var rate = options.Rate ?? 400;
        var duration = options.Duration ?? TimeSpan.FromSeconds(30);
        await using var system = await SystemUnderTest.OpenAsync(options);
        using var shop = new Shop(system, Shop.NewRunPrefix("mx"));
        var products = Enumerable.Range(0, Products).Select(n => (Id: shop.ProductId($"p{n}"), Price: 1_000L + (n * 500), Stock: n < 3 ? 200 : 1_000_000)).ToArray();
        var users = Enumerable.Range(0, Users).Select(n => shop.UserId(n)).ToArray();
        var deposits = new ConcurrentDictionary<string, long>(users.Select(u => KeyValuePair.Create(u, FirstDeposit)));
        long accepted = 0;

        string AnyUser() => users[Random.Shared.Next(users.Length)];
        string AnyProduct() => products[Random.Shared.Next(products.Length)].Id;

        Func<ScenarioContext, Task<Response>> Behaviour(string name) => name switch
        {
            "view-product" => ctx => shop.GetAsync($"/api/products/{AnyProduct()}", null, ctx.CancellationToken),
            "ranking" => ctx => shop.GetAsync("/api/products/ranking?top=10", null, ctx.CancellationToken),
            "my-orders" => ctx => shop.GetAsync("/api/orders?limit=20", AnyUser(), ctx.CancellationToken),
            "my-wallet" => ctx => shop.GetAsync("/api/wallet", AnyUser(), ctx.CancellationToken),
            "place-order" => async ctx =>
            {
                using var response = await shop.PlaceOrderAsync(AnyUser(), [(AnyProduct(), 1 + Random.Shared.Next(3))], ctx.CancellationToken);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    Interlocked.Increment(ref accepted);
                }

                // 409 order_in_progress is the lock's honest answer to one user ordering twice at once: counted, not hidden.
                return Response.From(response);
            },
            _ => async ctx =>
            {
                var userId = AnyUser();
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/wallet/deposits") { Content = JsonContent.Create(new { amount = TopUp }) };
                request.Headers.Authorization = shop.Bearer(userId);
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
                using var response = await shop.Http.SendAsync(request, ctx.CancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    deposits.AddOrUpdate(userId, TopUp, (_, sum) => sum + TopUp);
                }

                return Response.From(response);
            },
        };

        var scenarios = Mix
            .Select(m => Scenario.Create(m.Name, Behaviour(m.Name))
                .WithWarmUp(TimeSpan.FromSeconds(3))
                .WithLoadSimulations(Simulation.InjectPerSec(Math.Max(1, (int)Math.Round(rate * m.Share)), duration)))
            .ToArray();
        scenarios[0] = scenarios[0].WithInit(async ctx =>
        {
            foreach (var product in products)
            {
                await shop.PutProductAsync(product.Id, product.Price, product.Stock, ctx.CancellationToken);
            }

            Console.WriteLine($"Funding {users.Length:N0} wallets …");
            await shop.FundUsersAsync(users, FirstDeposit, ctx.CancellationToken);
        });

        var result = await LoadRunner.RegisterScenarios(scenarios)
            .WithTestName("storefront-mix")
            .WithTarget(system.Gateway)
            .WithThresholds(
            [
                .. Mix.Select(m => Threshold.FailPercentBelow(m.Name, 1)),
                .. Mix.Select(m => Threshold.LatencyP95Below(m.Name, 500)),
            ])
            .RunAsync();

        Console.WriteLine("Checking the invariants (docs/architecture.md) …");
        var invariants = await DesignInvariants.CheckOrdersAsync(
            system, shop.RunPrefix, products.ToDictionary(p => p.Id, p => p.Stock), user => deposits.GetValueOrDefault(user),
            Interlocked.Read(ref accepted), TimeSpan.FromSeconds(120));
        result = result
            .WithSection(new ReportSection(
                "Storefront mix",
                $"{rate}/s in all (open model) for {duration.TotalSeconds:0} s on {system.Description}: " +
                string.Join(", ", Mix.Select(m => $"{m.Name} {m.Share:P0}")) + $"; {Users:N0} users, {Products} products (3 of them scarce).",
                [],
                []))
            .WithSection(invariants.ToSection());
        if (!invariants.Held)
        {
            result = result with { Problems = [.. result.Problems, .. invariants.Violations.Select(v => "Invariant broken: " + v)] };
        }

        await Reports.WriteAsync(result, options.ReportDir);
        return result.ExitCode;
    }
}
