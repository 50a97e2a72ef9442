using Commerce.Wallet.Balances;

namespace Commerce.UnitTests.Wallet;

public sealed class DepositRequestTests
{
    [Theory]
    [InlineData(1L)]
    [InlineData(100_000_000L)]
    public void A_deposit_from_1_to_100_million_with_a_key_is_accepted(long amount)
    {
        Assert.Null(DepositRequest.Check("key-1", new DepositRequest(amount)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_missing_idempotency_key_is_named_by_its_header(string? key)
    {
        Assert.Equal("Idempotency-Key", DepositRequest.Check(key, new DepositRequest(1_000))?.Field);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("naïve")]
    public void A_key_with_invisible_or_non_ascii_characters_is_refused(string key)
    {
        Assert.Equal("Idempotency-Key", DepositRequest.Check(key, new DepositRequest(1_000))?.Field);
    }

    [Fact]
    public void A_key_over_100_characters_is_refused()
    {
        Assert.Equal("Idempotency-Key", DepositRequest.Check(new string('k', 101), new DepositRequest(1_000))?.Field);
        Assert.Null(DepositRequest.Check(new string('k', 100), new DepositRequest(1_000)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(100_000_001L)]
    public void An_amount_outside_1_to_100_million_is_named(long? amount)
    {
        Assert.Equal("amount", DepositRequest.Check("key-1", new DepositRequest(amount))?.Field);
    }

    [Fact]
    public void A_missing_body_is_named()
    {
        Assert.Equal("body", DepositRequest.Check("key-1", null)?.Field);
    }

    [Fact]
    public void Available_is_what_the_balance_has_beyond_what_is_held()
    {
        Assert.Equal(new WalletView(30_000, 12_000, 18_000), WalletView.Of(30_000, 12_000));
    }
}
