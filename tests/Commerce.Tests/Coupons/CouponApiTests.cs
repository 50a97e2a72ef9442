using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Commerce.Tests.Stock;

namespace Commerce.Tests.Coupons;

/// <summary>The coupon endpoints through the Gateway: campaigns, one issue per user, the window, and bad input.</summary>
public sealed class CouponApiTests(SharedSystem shared) : IAsyncDisposable
{
    private readonly CouponDriver coupons = new(shared.System);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_campaign_is_created_with_a_location_and_read_back_by_anyone()
    {
        var startsAt = new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.FromHours(9));
        var endsAt = startsAt.AddYears(100);

        using var response = await coupons.Admin.PostAsJsonAsync("/api/admin/coupons",
            new { name = "  Lunch rush  ", discountAmount = 3_000, totalQuantity = 100, startsAt, endsAt }, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<CampaignJson>(Ct))!;
        Assert.Equal($"/api/coupons/{created.CouponId}", response.Headers.Location?.OriginalString);
        var expected = new CampaignJson(created.CouponId, "Lunch rush", 3_000, 100, 0, 100, startsAt, endsAt);
        Assert.Equal(expected, created);
        Assert.Equal(expected, await coupons.CampaignAsync(created.CouponId));
    }

    [Fact]
    public async Task An_issue_is_a_201_the_user_sees_in_mine_and_the_campaign_counts()
    {
        var campaign = await coupons.CreateCampaignAsync(total: 5, discount: 2_500, name: "Mine test");
        var userId = CouponDriver.NewUserId();

        using var response = await coupons.IssueAsync(userId, campaign.CouponId);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var issued = (await response.Content.ReadFromJsonAsync<IssuedJson>(Ct))!;
        Assert.Equal((campaign.CouponId, userId), (issued.CouponId, issued.UserId));
        Assert.InRange(issued.IssuedAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Equal([new MyCouponJson(campaign.CouponId, "Mine test", 2_500, "Issued", null)], await coupons.MineAsync(userId));
        var after = await coupons.CampaignAsync(campaign.CouponId);
        Assert.Equal((1L, 4L), (after.Issued, after.Remaining));
    }

    [Fact]
    public async Task Asking_again_is_a_409_already_issued_and_changes_nothing()
    {
        var campaign = await coupons.CreateCampaignAsync(total: 5);
        var userId = CouponDriver.NewUserId();
        (await coupons.IssueAsync(userId, campaign.CouponId)).EnsureSuccessStatusCode();

        using var again = await coupons.IssueAsync(userId, campaign.CouponId);

        await ServiceAssertions.AssertProblemAsync(again, HttpStatusCode.Conflict, "already_issued", field: null);
        Assert.Equal(1, (await coupons.CampaignAsync(campaign.CouponId)).Issued);
    }

    [Fact]
    public async Task When_none_are_left_the_answer_is_410_coupon_sold_out()
    {
        var campaign = await coupons.CreateCampaignAsync(total: 1);
        (await coupons.IssueAsync(CouponDriver.NewUserId(), campaign.CouponId)).EnsureSuccessStatusCode();
        var late = CouponDriver.NewUserId();

        using var response = await coupons.IssueAsync(late, campaign.CouponId);

        await ServiceAssertions.AssertProblemAsync(response, HttpStatusCode.Gone, "coupon_sold_out", field: null);
        Assert.Empty(await coupons.MineAsync(late));
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(-2, -1)]
    public async Task Outside_the_window_the_answer_is_422_coupon_not_active(int startsInHours, int endsInHours)
    {
        var now = DateTimeOffset.UtcNow;
        var campaign = await coupons.CreateCampaignAsync(total: 5, startsAt: now.AddHours(startsInHours), endsAt: now.AddHours(endsInHours));
        var userId = CouponDriver.NewUserId();

        using var response = await coupons.IssueAsync(userId, campaign.CouponId);

        await ServiceAssertions.AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "coupon_not_active", field: null);
        Assert.Empty(await coupons.MineAsync(userId));
        Assert.Equal(0, (await coupons.CampaignAsync(campaign.CouponId)).Issued);
    }

    [Fact]
    public async Task An_unknown_coupon_is_a_404_problem()
    {
        var unknown = Guid.NewGuid();

        using var read = await coupons.Anonymous.GetAsync($"/api/coupons/{unknown}", Ct);
        using var issue = await coupons.IssueAsync(CouponDriver.NewUserId(), unknown);

        await ServiceAssertions.AssertProblemAsync(read, HttpStatusCode.NotFound, "not_found", field: null);
        await ServiceAssertions.AssertProblemAsync(issue, HttpStatusCode.NotFound, "not_found", field: null);
    }

    [Fact]
    public async Task A_coupon_id_that_is_not_a_guid_is_a_400_naming_couponId()
    {
        using var read = await coupons.Anonymous.GetAsync("/api/coupons/not-a-guid", Ct);
        using var issue = await coupons.Anonymous.SendAsync(coupons.IssueRequest(CouponDriver.NewUserId(), "not-a-guid"), Ct);

        await ServiceAssertions.AssertProblemAsync(read, HttpStatusCode.BadRequest, "validation_failed", "couponId");
        await ServiceAssertions.AssertProblemAsync(issue, HttpStatusCode.BadRequest, "validation_failed", "couponId");
    }

    [Theory]
    [InlineData("""{"discountAmount":1000,"totalQuantity":10}""", "name")]
    [InlineData("""{"name":"   ","discountAmount":1000,"totalQuantity":10}""", "name")]
    [InlineData("""{"name":"NAME","discountAmount":0,"totalQuantity":10}""", "discountAmount")]
    [InlineData("""{"name":"NAME","discountAmount":100000001,"totalQuantity":10}""", "discountAmount")]
    [InlineData("""{"name":"NAME","discountAmount":"lots","totalQuantity":10}""", "discountAmount")]
    [InlineData("""{"name":"NAME","discountAmount":1000}""", "totalQuantity")]
    [InlineData("""{"name":"NAME","discountAmount":1000,"totalQuantity":0}""", "totalQuantity")]
    [InlineData("""{"name":"NAME","discountAmount":1000,"totalQuantity":10000001}""", "totalQuantity")]
    [InlineData("""{"name":"NAME","discountAmount":1000,"totalQuantity":2.5}""", "totalQuantity")]
    [InlineData("""{"name":"NAME","discountAmount":1000,"totalQuantity":10,"startsAt":"2030-01-02T00:00:00Z","endsAt":"2030-01-01T00:00:00Z"}""", "endsAt")]
    [InlineData("""{"name":"NAME","discountAmount":1000,"totalQuantity":10,"startsAt":"soon"}""", "startsAt")]
    public async Task A_bad_campaign_is_a_400_naming_the_field_and_creates_nothing(string body, string field)
    {
        var name = $"bad-{Guid.NewGuid():N}";

        using var response = await coupons.Admin.PostAsync(
            "/api/admin/coupons", new StringContent(body.Replace("NAME", name), Encoding.UTF8, "application/json"), Ct);

        await ServiceAssertions.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", field);
        Assert.Equal(0L, await coupons.ScalarAsync<long>("SELECT count(*) FROM coupons WHERE name = @name", ("name", name)));
    }

    [Fact]
    public async Task A_name_of_201_characters_is_refused()
    {
        using var response = await coupons.Admin.PostAsJsonAsync(
            "/api/admin/coupons", new { name = new string('n', 201), discountAmount = 1, totalQuantity = 1 }, Ct);

        await ServiceAssertions.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", "name");
    }

    [Fact]
    public async Task Only_admins_create_campaigns_and_only_users_take_coupons()
    {
        using var user = shared.System.CreateClient(CouponDriver.NewUserId());
        using var asUser = await user.PostAsJsonAsync("/api/admin/coupons", new { name = "x", discountAmount = 1, totalQuantity = 1 }, Ct);
        var campaign = await coupons.CreateCampaignAsync(total: 1);
        using var anonymous = await coupons.Anonymous.PostAsync($"/api/coupons/{campaign.CouponId}/issue", null, Ct);
        using var mine = await coupons.Anonymous.GetAsync("/api/coupons/mine", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, asUser.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, mine.StatusCode);
        Assert.Equal(0, (await coupons.CampaignAsync(campaign.CouponId)).Issued);
    }

    [Fact]
    public async Task Issue_outcomes_and_remaining_coupons_are_exported_as_metrics()
    {
        var campaign = await coupons.CreateCampaignAsync(total: 1);
        (await coupons.IssueAsync(CouponDriver.NewUserId(), campaign.CouponId)).EnsureSuccessStatusCode();
        (await coupons.IssueAsync(CouponDriver.NewUserId(), campaign.CouponId)).Dispose();
        using var http = new HttpClient();
        var copies = await shared.System.CopyUrlsAsync("coupon");

        var remaining = $"commerce_coupon_remaining{{[^}}]*coupon_id=\"{campaign.CouponId}\"[^}}]*}} ";

        // Each copy exports what it saw: read them all together (through the proxy, each read met another copy).
        var text = await Eventually.Until(
            async () => string.Join('\n', await Task.WhenAll(copies.Select(copy => http.GetStringAsync(new Uri(copy, "/metrics"), Ct)))),
            body => Regex.IsMatch(body, remaining + "0\n") && body.Contains("outcome=\"sold_out\""),
            CouponDriver.Deadline, "the coupon meters on /metrics, with nothing left of the campaign");

        Assert.Matches("commerce_coupon_issues_total{[^}]*outcome=\"issued\"[^}]*} [1-9]", text);
    }

    public async ValueTask DisposeAsync() => await coupons.DisposeAsync();
}
