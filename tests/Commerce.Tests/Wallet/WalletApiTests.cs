using System.Net;
using System.Net.Http.Json;
using System.Text;
using Commerce.Testing;
using Commerce.Tests.Stock;

namespace Commerce.Tests.Wallet;

/// <summary>The wallet endpoints through the Gateway: deposits that happen once per key, on the caller's own wallet only.</summary>
public sealed class WalletApiTests(SharedSystem shared)
{
    private readonly WalletDriver wallet = new(shared.System);

    [Fact]
    public async Task Twenty_deposits_sent_at_once_with_one_key_deposit_once()
    {
        var userId = WalletDriver.NewUserId();
        var client = wallet.ClientFor(userId);
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => DepositAsync(client, key, """{"amount":5000}""")));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal(new WalletJson(5_000, 0, 5_000), await wallet.WalletAsync(userId));
        Assert.Equal(new WalletBooks(Balance: 5_000, Reserved: 0, Deposited: 5_000, Taken: 0), await wallet.BooksAsync(userId));
    }

    [Fact]
    public async Task Deposits_with_different_keys_add_up()
    {
        var userId = WalletDriver.NewUserId();

        await wallet.DepositAsync(userId, 1_000);
        var after = await wallet.DepositAsync(userId, 2_500);

        Assert.Equal(new WalletJson(3_500, 0, 3_500), after);
    }

    [Fact]
    public async Task A_key_used_again_for_another_amount_is_refused_and_deposits_nothing()
    {
        var userId = WalletDriver.NewUserId();
        var client = wallet.ClientFor(userId);
        await wallet.DepositAsync(userId, 1_000, key: "same-key");

        var response = await DepositAsync(client, "same-key", """{"amount":9000}""");

        await ServiceAssertions.AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "idempotency_key_reused", field: null);
        Assert.Equal(new WalletJson(1_000, 0, 1_000), await wallet.WalletAsync(userId));
    }

    [Fact]
    public async Task The_same_key_is_a_different_deposit_for_another_user()
    {
        var (first, second) = (WalletDriver.NewUserId(), WalletDriver.NewUserId());

        await wallet.DepositAsync(first, 1_000, key: "shared-key");
        await wallet.DepositAsync(second, 2_000, key: "shared-key");

        Assert.Equal(1_000, (await wallet.WalletAsync(first)).Balance);
        Assert.Equal(2_000, (await wallet.WalletAsync(second)).Balance);
    }

    [Theory]
    [InlineData(null, """{"amount":1000}""", "Idempotency-Key")]
    [InlineData("k", """{}""", "amount")]
    [InlineData("k", """{"amount":0}""", "amount")]
    [InlineData("k", """{"amount":-5}""", "amount")]
    [InlineData("k", """{"amount":100000001}""", "amount")]
    [InlineData("k", """{"amount":10.5}""", "amount")]
    [InlineData("k", """{"amount":"lots"}""", "amount")]
    public async Task A_bad_deposit_is_a_400_naming_the_field_and_deposits_nothing(string? key, string body, string field)
    {
        var userId = WalletDriver.NewUserId();

        var response = await DepositAsync(wallet.ClientFor(userId), key, body);

        await ServiceAssertions.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", field);
        Assert.Equal(new WalletJson(0, 0, 0), await wallet.WalletAsync(userId));
    }

    [Fact]
    public async Task The_largest_single_deposit_is_a_hundred_million()
    {
        var userId = WalletDriver.NewUserId();

        Assert.Equal(100_000_000, (await wallet.DepositAsync(userId, 100_000_000)).Balance);
    }

    [Fact]
    public async Task A_user_never_seen_has_an_empty_wallet()
    {
        Assert.Equal(new WalletJson(0, 0, 0), await wallet.WalletAsync(WalletDriver.NewUserId()));
    }

    [Fact]
    public async Task A_user_sees_and_fills_only_their_own_wallet()
    {
        var (owner, other) = (WalletDriver.NewUserId(), WalletDriver.NewUserId());

        await wallet.DepositAsync(owner, 7_000);

        Assert.Equal(7_000, (await wallet.WalletAsync(owner)).Balance);
        Assert.Equal(0, (await wallet.WalletAsync(other)).Balance);
    }

    [Fact]
    public async Task Without_a_token_the_wallet_is_closed()
    {
        var anonymous = shared.System.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/wallet", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await DepositAsync(anonymous, "k", """{"amount":1000}""")).StatusCode);
    }

    private static Task<HttpResponseMessage> DepositAsync(HttpClient client, string? key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/wallet/deposits")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return client.SendAsync(request);
    }
}
