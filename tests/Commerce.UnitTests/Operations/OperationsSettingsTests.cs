using Commerce.Operations;
using Microsoft.Extensions.Configuration;

namespace Commerce.UnitTests.Operations;

public sealed class OperationsSettingsTests
{
    private static OperationsSettings From(params (string Key, string Value)[] settings) => OperationsSettings.From(
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(setting => KeyValuePair.Create(setting.Key, (string?)setting.Value))).Build());

    [Fact]
    public void Prometheus_comes_from_Aspire_service_discovery_and_the_rest_has_defaults()
    {
        var settings = From(("services:prometheus:http:0", "http://127.0.0.1:9090"));

        Assert.Equal(new Uri("http://127.0.0.1:9090"), settings.Prometheus);
        Assert.Equal("gateway", settings.GatewayJob);
        Assert.Null(settings.AspireDashboardUrl);
    }

    [Fact]
    public void Without_Prometheus_the_page_does_not_start_and_says_what_to_set()
    {
        var missing = Assert.Throws<InvalidOperationException>(() => From());

        Assert.Contains("services__prometheus__http__0", missing.Message);
    }

    [Fact]
    public void A_dashboard_link_that_is_not_http_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => From(
            ("services:prometheus:http:0", "http://127.0.0.1:9090"), ("Operations:AspireDashboardUrl", "javascript:alert(1)")));
    }
}
