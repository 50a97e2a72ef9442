using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Commerce.LoadTests.Harness;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Commerce.LoadTests.Suites.Shared;

/// <summary>
/// The storefront (docs/api.md) as the suites use it through the Gateway: an admin that stocks products and opens
/// coupon campaigns, users that fund their wallets, place and poll orders and ask for coupons. Every id a suite makes
/// starts with its run's prefix, so runs against the same system never mix and the invariant checks see only their own.
/// </summary>
public sealed class Shop(SystemUnderTest system, string runPrefix) : IDisposable
{
    private readonly HttpClient admin = system.CreateClient("load-admin", "admin");
    private readonly HttpClient anonymous = system.CreateClient();
    private readonly ConcurrentDictionary<string, AuthenticationHeaderValue> bearers = new();

    /// <summary>
    /// For setting up only, never for measured steps: a transient answer (a 503 while a service's pooled database
    /// connections reconnect, a 429) is retried after its Retry-After. Safe because every setup call is idempotent.
    /// </summary>
    private static readonly ResiliencePipeline<HttpResponseMessage> SetupRetry = new ResiliencePipelineBuilder<HttpResponseMessage>()
        .AddRetry(new HttpRetryStrategyOptions { MaxRetryAttempts = 5, Delay = TimeSpan.FromMilliseconds(200) })
        .Build();

    /// <summary>Short and unique per run: "lr-1a2b3c" (ids are at most 64 characters of [A-Za-z0-9_-]).</summary>
    public string RunPrefix { get; } = runPrefix;

    public SystemUnderTest System { get; } = system;

    /// <summary>One client for every virtual user: the token goes on each request, not on the client.</summary>
    public HttpClient Http => anonymous;

    public static string NewRunPrefix(string suite) => $"{suite}-{Guid.NewGuid():N}"[..(suite.Length + 7)];

    public string UserId(long number) => $"{RunPrefix}-u{number}";

    public string ProductId(string name) => $"{RunPrefix}-{name}";

    /// <summary>A user's bearer token, minted once: signing a JWT per request would load the harness, not the system.</summary>
    public AuthenticationHeaderValue Bearer(string userId) =>
        bearers.GetOrAdd(userId, id => new AuthenticationHeaderValue("Bearer", System.CreateToken(id)));

    public async Task PutProductAsync(string productId, long price, int stock, CancellationToken cancellationToken)
    {
        using var response = await SetupRetry.ExecuteAsync(
            async token => await admin.PutAsJsonAsync($"/api/admin/products/{productId}", new { name = productId, price, stock }, token),
            cancellationToken);
        await EnsureAsync(response, HttpStatusCode.OK, $"PUT product {productId}");
    }

    /// <summary>Funds every user (one deposit each, with its own Idempotency-Key), <paramref name="parallelism"/> at a time.</summary>
    public async Task FundUsersAsync(IReadOnlyList<string> userIds, long amount, CancellationToken cancellationToken, int parallelism = 32)
    {
        await Parallel.ForEachAsync(
            userIds,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (userId, token) =>
            {
                using var response = await SetupRetry.ExecuteAsync(
                    async attemptToken =>
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/wallet/deposits") { Content = JsonContent.Create(new { amount }) };
                        request.Headers.Authorization = Bearer(userId);
                        request.Headers.Add("Idempotency-Key", $"fund-{userId}");
                        return await anonymous.SendAsync(request, attemptToken);
                    },
                    token);
                await EnsureAsync(response, HttpStatusCode.OK, $"deposit for {userId}");
            });
    }

    /// <summary>Opens a campaign that is active now; returns its id.</summary>
    public async Task<Guid> CreateCouponAsync(string name, long discountAmount, int totalQuantity, CancellationToken cancellationToken)
    {
        using var response = await admin.PostAsJsonAsync("/api/admin/coupons", new { name, discountAmount, totalQuantity }, cancellationToken);
        await EnsureAsync(response, HttpStatusCode.Created, $"create coupon {name}");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("couponId").GetGuid();
    }

    /// <summary>GET /api/coupons/{id}: (issued, remaining).</summary>
    public async Task<(int Issued, int Remaining)> GetCouponAsync(Guid couponId, CancellationToken cancellationToken)
    {
        using var body = JsonDocument.Parse(await anonymous.GetStringAsync($"/api/coupons/{couponId}", cancellationToken));
        return (body.RootElement.GetProperty("issued").GetInt32(), body.RootElement.GetProperty("remaining").GetInt32());
    }

    /// <summary>POST /api/orders with a fresh Idempotency-Key; the caller reads the answer.</summary>
    public async Task<HttpResponseMessage> PlaceOrderAsync(
        string userId, IEnumerable<(string ProductId, int Quantity)> items, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(new { items = items.Select(i => new { productId = i.ProductId, quantity = i.Quantity }) }),
        };
        request.Headers.Authorization = Bearer(userId);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        return await anonymous.SendAsync(request, cancellationToken);
    }

    /// <summary>The order id of a 202.</summary>
    public static async Task<Guid> AcceptedOrderIdAsync(HttpResponseMessage accepted, CancellationToken cancellationToken)
    {
        using var body = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("orderId").GetGuid();
    }

    /// <summary>GET /api/orders/{id}: "Pending", "Completed" or "Rejected" (null when the answer was not a 200).</summary>
    public async Task<string?> GetOrderStatusAsync(string userId, Guid orderId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/orders/{orderId}");
        request.Headers.Authorization = Bearer(userId);
        using var response = await anonymous.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return null;
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("status").GetString();
    }

    /// <summary>A user's GET on a storefront path, answered as a harness response.</summary>
    public async Task<Response> GetAsync(string path, string? userId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (userId is not null)
        {
            request.Headers.Authorization = Bearer(userId);
        }

        using var response = await anonymous.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        return Response.From(response);
    }

    public void Dispose()
    {
        admin.Dispose();
        anonymous.Dispose();
    }

    private static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new InvalidOperationException($"{what}: expected {(int)expected}, got {(int)response.StatusCode} {body[..Math.Min(body.Length, 300)]}");
        }
    }
}
