using System.Net;
using System.Text.RegularExpressions;

namespace Commerce.Tests.Observability;

/// <summary>
/// The alert rules select what the services really export. The promtool tests feed the rules series shaped as the rules
/// expect; this checks that shape against a running Order service. The rules once matched POST /api/orders as
/// <c>http_route="/api/orders"</c> while the service reports <c>"/api/orders/"</c>, and the failed-orders alert never saw
/// an order: it stayed quiet through a replay with 90 % of the POSTs refused.
/// </summary>
public sealed partial class AlertRuleSelectorTests(SharedSystem shared)
{
    private static readonly string Rules = Path.Combine(RepositoryPaths.Root, "observability", "rules", "commerce-alerts.yml");

    [Fact]
    public async Task The_rules_selector_for_order_posts_matches_the_route_the_order_service_exports()
    {
        var selectors = OrderPostRoute().Matches(await File.ReadAllTextAsync(Rules, TestContext.Current.CancellationToken))
            .Select(match => (Regex: match.Groups["op"].Value == "~", Route: match.Groups["route"].Value))
            .Distinct()
            .ToList();
        Assert.NotEmpty(selectors);

        var store = new Storefront(shared.System);
        var user = Storefront.UniqueId("u-rule-route");
        var product = $"p-{user}";
        await store.PutProductAsync(product, price: 1_000, stock: 5);
        await store.DepositAsync(user, 5_000);
        using (var client = store.ClientFor(user))
        using (var placed = await Storefront.PlaceOrderAsync(client, [(product, 1)], $"{user}-1"))
        {
            Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        }

        var exported = new HashSet<string>();
        foreach (var copy in await shared.System.CopyUrlsAsync("order"))
        {
            using var http = new HttpClient { BaseAddress = copy };
            var metrics = await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
            foreach (Match series in ExportedPostRoute().Matches(metrics)) exported.Add(series.Groups["route"].Value);
        }

        Assert.NotEmpty(exported);
        foreach (var selector in selectors)
        {
            // PromQL's =~ is anchored at both ends, as ^…$ is here; = is equality.
            Assert.True(exported.Any(route => selector.Regex ? Regex.IsMatch(route, $"^(?:{selector.Route})$") : route == selector.Route),
                $"The rules select POST /api/orders with http_route{(selector.Regex ? "=~" : "=")}\"{selector.Route}\", but the Order service exports {string.Join(", ", exported.Select(r => $"\"{r}\""))}.");
        }
    }

    /// <summary>Each rule's selector of Order's POST answers: <c>job="order", http_route=~"…" (or ="…"), http_request_method="POST"</c>.</summary>
    [GeneratedRegex("""job=\\?"order\\?", http_route=(?<op>~?)\\?"(?<route>[^"\\]+)\\?", http_request_method=\\?"POST""")]
    private static partial Regex OrderPostRoute();

    [GeneratedRegex(""""^http_server_request_duration_seconds_count\{[^}]*http_request_method="POST"[^}]*http_route="(?<route>/api/orders[^"]*)"""", RegexOptions.Multiline)]
    private static partial Regex ExportedPostRoute();
}
