using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Commerce.ServiceDefaults.Auth;

namespace Commerce.Tests.Gateway;

public sealed class GatewayAuthTests(SharedSystem shared)
{
    private readonly CommerceSystem system = shared.System;

    [Fact]
    public async Task A_request_without_a_token_gets_401_problem_details()
    {
        using var client = system.CreateClient();
        using var response = await client.GetAsync("/api/wallet", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_gets_401()
    {
        var forger = system.Auth with { SigningKey = Convert.ToBase64String(new byte[32]) };
        using var client = WithToken(DevelopmentTokens.Create(forger, "u-forger", ["admin"], TimeSpan.FromHours(1)));

        using var response = await client.GetAsync("/api/wallet", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task An_expired_token_gets_401()
    {
        var token = DevelopmentTokens.Create(system.Auth, "u-late", [], TimeSpan.FromHours(1), DateTime.UtcNow.AddHours(-3));
        using var client = WithToken(token);

        using var response = await client.GetAsync("/api/wallet", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/admin/products/p-1")]
    [InlineData("/api/admin/coupons")]
    [InlineData("/api/admin/anything-else")]
    public async Task A_user_without_the_admin_role_gets_403_on_admin_paths(string path)
    {
        using var client = system.CreateClient("u-not-admin");
        using var response = await client.PutAsJsonAsync(path, new { name = "x" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task The_correlation_id_is_echoed_back()
    {
        using var client = system.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/ping");
        request.Headers.Add("X-Correlation-Id", "trace-me-42");

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("trace-me-42", response.Headers.GetValues("X-Correlation-Id").Single());
    }

    [Fact]
    public async Task A_development_token_opens_the_user_routes()
    {
        using var anonymous = system.CreateClient();
        using var tokenResponse = await anonymous.PostAsJsonAsync("/dev/token", new { sub = "u-dev-token" }, TestContext.Current.CancellationToken);
        tokenResponse.EnsureSuccessStatusCode();
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("token").GetString()!;

        using var client = WithToken(token);
        using var response = await client.GetAsync("/api/notifications", TestContext.Current.CancellationToken);

        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_development_token_for_a_malformed_user_id_is_a_400_naming_sub()
    {
        using var client = system.CreateClient();
        using var response = await client.PostAsJsonAsync("/dev/token", new { sub = "not a valid id" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("sub", problem.GetProperty("field").GetString());
    }

    private HttpClient WithToken(string token)
    {
        var client = system.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
