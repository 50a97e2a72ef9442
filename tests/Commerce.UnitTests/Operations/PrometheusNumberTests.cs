using Commerce.Operations.Metrics;

namespace Commerce.UnitTests.Operations;

public sealed class PrometheusNumberTests
{
    [Theory]
    [InlineData("0.5", 0.5)]
    [InlineData("1.5e3", 1500)]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("-Inf", double.NegativeInfinity)]
    [InlineData("NaN", double.NaN)]
    public void Reads_numbers_and_bucket_bounds_as_Prometheus_writes_them(string text, double expected)
    {
        Assert.True(PrometheusNumber.TryParse(text, out var value));
        Assert.Equal(expected, value);
    }

    [Fact]
    public void Rejects_what_is_not_a_number()
    {
        Assert.False(PrometheusNumber.TryParse("fast", out _));
        Assert.False(PrometheusNumber.TryParse("", out _));
    }
}
