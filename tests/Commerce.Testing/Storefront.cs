using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Commerce.Testing;

/// <summary>The storefront API (docs/api.md) as tests use it: one method per call, through the Gateway.</summary>
public sealed class Storefront(CommerceSystem system)
{
    private static readonly TimeSpan SettleBudget = TimeSpan.FromSeconds(60);
    private readonly HttpClient admin = system.CreateClient("ops-admin", "admin");

    /// <summary>A fresh user or product id for one test on the shared system: the prefix, then enough of a GUID.</summary>
    public static string UniqueId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 64)];

    public HttpClient ClientFor(string userId) => system.CreateClient(userId);

    public async Task PutProductAsync(string productId, long price, int stock, string? name = null)
    {
        using var response = await admin.PutAsJsonAsync($"/api/admin/products/{productId}", new { name = name ?? productId, price, stock });
        await EnsureSuccessAsync(response);
    }

    public async Task<ProductView> GetProductAsync(string productId) =>
        (await admin.GetFromJsonAsync<ProductView>($"/api/products/{productId}"))!;

    public async Task DepositAsync(string userId, long amount, string? idempotencyKey = null)
    {
        using var client = ClientFor(userId);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/wallet/deposits") { Content = JsonContent.Create(new { amount }) };
        request.Headers.Add("Idempotency-Key", idempotencyKey ?? Guid.NewGuid().ToString("N"));
        using var response = await client.SendAsync(request);
        await EnsureSuccessAsync(response);
    }

    public async Task<WalletView> GetWalletAsync(string userId)
    {
        using var client = ClientFor(userId);
        return (await client.GetFromJsonAsync<WalletView>("/api/wallet"))!;
    }

    /// <summary>POST /api/orders; returns the raw response for the caller to inspect.</summary>
    public static async Task<HttpResponseMessage> PlaceOrderAsync(
        HttpClient client, IEnumerable<(string ProductId, int Quantity)> items, string? idempotencyKey, Guid? couponId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(new
            {
                items = items.Select(i => new { productId = i.ProductId, quantity = i.Quantity }),
                couponId,
            }),
        };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await client.SendAsync(request);
    }

    /// <summary>
    /// What a careful client does: retry with the same Idempotency-Key until the order is taken (202, or 200 for the same
    /// order again), through refusals (409, 429, 503) and a service or Gateway that is away, so an order whose answer was
    /// lost in a kill is found again, never made twice.
    /// </summary>
    public static async Task PlaceUntilAcceptedAsync(
        HttpClient client, (string ProductId, int Quantity)[] items, string idempotencyKey, TimeSpan budget, Guid? couponId = null,
        Action<HttpStatusCode, string?>? answered = null) =>
        await Eventually.Until(async () =>
        {
            using var response = await PlaceOrderAsync(client, items, idempotencyKey, couponId);
            answered?.Invoke(response.StatusCode, (int)response.StatusCode >= 400 ? await ProblemCodeAsync(response) : null);
            return response.StatusCode;
        }, status => status is HttpStatusCode.Accepted or HttpStatusCode.OK, budget, $"order {idempotencyKey} taken");

    /// <summary>The ProblemDetails <c>code</c> of a refusal, when it has one.</summary>
    public static async Task<string?> ProblemCodeAsync(HttpResponseMessage response) =>
        ProblemCode(await response.Content.ReadAsStringAsync());

    /// <summary>The ProblemDetails <c>code</c> in an answer's body, when it is JSON and has one.</summary>
    public static string? ProblemCode(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Places an order that must be accepted (202) and returns its id.</summary>
    public async Task<Guid> PlaceAcceptedOrderAsync(string userId, params (string ProductId, int Quantity)[] items)
    {
        using var client = ClientFor(userId);
        using var response = await PlaceOrderAsync(client, items, Guid.NewGuid().ToString("N"));
        if (response.StatusCode != HttpStatusCode.Accepted) await EnsureSuccessAsync(response, HttpStatusCode.Accepted);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orderId").GetGuid();
    }

    public static async Task<OrderView> GetOrderAsync(HttpClient client, Guid orderId) =>
        (await client.GetFromJsonAsync<OrderView>($"/api/orders/{orderId}"))!;

    /// <summary>Every order of the client's user, newest first, page by page.</summary>
    public static async Task<List<OrderView>> OrdersAsync(HttpClient client)
    {
        var all = new List<OrderView>();
        Guid? before = null;
        while (true)
        {
            var page = (await client.GetFromJsonAsync<List<OrderView>>($"/api/orders?limit=100{(before is null ? "" : $"&before={before}")}"))!;
            all.AddRange(page);
            if (page.Count < 100) break;
            before = page[^1].OrderId;
        }

        return all;
    }

    /// <summary>Polls the order until it is Completed or Rejected.</summary>
    public async Task<OrderView> WaitForFinalAsync(string userId, Guid orderId, TimeSpan? budget = null)
    {
        using var client = ClientFor(userId);
        return await Eventually.Until(() => GetOrderAsync(client, orderId), order => order.Status is "Completed" or "Rejected",
            budget ?? SettleBudget, $"order {orderId} Completed or Rejected");
    }

    /// <summary>Throws, with the answer's body (its ProblemDetails and correlation id), unless the status is the expected one.</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, HttpStatusCode? expected = null)
    {
        if (expected is null ? response.IsSuccessStatusCode : response.StatusCode == expected) return;
        throw new HttpRequestException(
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}

public sealed record ProductView(string ProductId, string Name, long Price, int Available, int Reserved, int Sold);

public sealed record WalletView(long Balance, long Reserved, long Available);

public sealed record OrderView(
    Guid OrderId, string Status, string? Reason, List<OrderItemView> Items, long Subtotal, long Discount, long Total,
    Guid? CouponId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record OrderItemView(string ProductId, int Quantity, long? UnitPrice);
