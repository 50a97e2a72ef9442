using Commerce.Gateway.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace Commerce.UnitTests.Gateway;

public sealed class StorefrontRoutesTests
{
    private static IReadOnlyList<ClusterConfig> Clusters(params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        foreach (var service in new[] { "order", "stock", "wallet", "coupon", "notification" })
        {
            builder.Configuration[$"services:{service}:http:0"] = $"http://127.0.0.1:1/{service}";
        }

        foreach (var (key, value) in settings) builder.Configuration[key] = value;
        builder.AddStorefrontRoutes();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IProxyConfigProvider>().GetConfig().Clusters;
    }

    [Fact]
    public void Every_service_gets_at_most_1024_connections_from_the_proxy()
    {
        var clusters = Clusters();

        Assert.Equal(5, clusters.Count);
        Assert.All(clusters, cluster => Assert.Equal(1024, cluster.HttpClient?.MaxConnectionsPerServer));
    }

    [Fact]
    public void The_cap_is_a_setting()
    {
        var clusters = Clusters(("Gateway:MaxConnectionsPerService", "64"));

        Assert.All(clusters, cluster => Assert.Equal(64, cluster.HttpClient?.MaxConnectionsPerServer));
    }
}
