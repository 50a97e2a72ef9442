using System.Net.Http.Json;
using Commerce.Testing;
using Npgsql;

namespace Commerce.Tests.Wallet;

/// <summary>A wallet as <c>GET /api/wallet</c> shows it.</summary>
public sealed record WalletJson(long Balance, long Reserved, long Available);

/// <summary>What walletdb says about one user: the wallet row and the sums of its ledger.</summary>
public sealed record WalletBooks(long Balance, long Reserved, long Deposited, long Taken)
{
    /// <summary>Money neither appears nor vanishes: what came in less what orders took (and kept) is what is there.</summary>
    public bool Balances => Deposited - Taken == Balance && Reserved >= 0 && Reserved <= Balance;
}

/// <summary>How a saga step of one order ended in walletdb, and how many times its message arrived.</summary>
public sealed record LedgerStep(string Outcome, int Deliveries);

/// <summary>Drives the Wallet service for the tests: deposits through the Gateway, checks on its database.</summary>
public sealed class WalletDriver(CommerceSystem system)
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static string NewUserId() => $"u-{Guid.NewGuid():N}";

    public HttpClient ClientFor(string userId) => system.CreateClient(userId);

    public async Task<WalletJson> DepositAsync(string userId, long amount, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/wallet/deposits") { Content = JsonContent.Create(new { amount }) };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        var response = await ClientFor(userId).SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<WalletJson>())!;
    }

    public async Task<WalletJson> WalletAsync(string userId) =>
        (await ClientFor(userId).GetFromJsonAsync<WalletJson>("/api/wallet"))!;

    public async Task<WalletBooks> BooksAsync(string userId)
    {
        await using var connection = await OpenAsync();
        await using var read = new NpgsqlCommand(
            """
            SELECT coalesce((SELECT balance FROM wallets WHERE user_id = @user), 0),
                   coalesce((SELECT reserved FROM wallets WHERE user_id = @user), 0),
                   (SELECT coalesce(sum(amount), 0)::bigint FROM wallet_ledger WHERE user_id = @user AND kind = 'deposit'),
                   (SELECT coalesce(sum(amount) FILTER (WHERE kind = 'reserve' AND outcome = 'reserved'), 0)
                         - coalesce(sum(amount) FILTER (WHERE kind = 'release' AND outcome = 'applied'), 0)
                    FROM wallet_ledger WHERE user_id = @user)::bigint
            """, connection);
        read.Parameters.AddWithValue("user", userId);
        await using var reader = await read.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new WalletBooks(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    public async Task<LedgerStep?> StepAsync(Guid orderId, string kind)
    {
        await using var connection = await OpenAsync();
        await using var read = new NpgsqlCommand(
            "SELECT outcome, deliveries FROM wallet_ledger WHERE order_id = @order AND kind = @kind", connection);
        read.Parameters.AddWithValue("order", orderId);
        read.Parameters.AddWithValue("kind", kind);
        await using var reader = await read.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new LedgerStep(reader.GetString(0), reader.GetInt32(1)) : null;
    }

    /// <summary>Waits until the step's message has arrived <paramref name="deliveries"/> times and was handled.</summary>
    public Task<LedgerStep?> StepHandledAsync(Guid orderId, string kind, int deliveries = 1) =>
        Eventually.Until(
            () => StepAsync(orderId, kind),
            step => step is not null && step.Deliveries >= deliveries,
            Deadline,
            $"{kind} of order {orderId} handled {deliveries} time(s)");

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(system.DatabaseConnectionString("walletdb"));
        await connection.OpenAsync();
        return connection;
    }
}
