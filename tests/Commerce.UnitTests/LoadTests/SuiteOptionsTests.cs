using Commerce.LoadTests.Harness;

namespace Commerce.UnitTests.LoadTests;

public sealed class SuiteOptionsTests : IDisposable
{
    private static readonly DateTime Now = new(2025, 12, 30, 14, 0, 0, DateTimeKind.Utc);
    private readonly string repo = Directory.CreateTempSubdirectory("loadtests-options-").FullName;

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("2m", 120)]
    [InlineData("500ms", 0.5)]
    [InlineData("1.5h", 5400)]
    [InlineData("15", 15)]
    public void Durations_read_with_their_unit(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), SuiteOptions.ParseDuration(text));

    [Theory]
    [InlineData("soon")]
    [InlineData("0s")]
    [InlineData("-5s")]
    public void Nonsense_durations_are_refused(string text) =>
        Assert.Throws<UsageException>(() => SuiteOptions.ParseDuration(text));

    [Fact]
    public async Task The_target_and_token_settings_come_from_the_apphost_endpoints_file()
    {
        Directory.CreateDirectory(Path.Combine(repo, ".commerce"));
        File.WriteAllText(Path.Combine(repo, ".commerce", "endpoints.json"), """
            {"gateway": "http://127.0.0.1:41234", "appHostPid": 4321, "services": {"stock": "http://127.0.0.1:41235"},
             "auth": {"issuer": "commerce-dev", "audience": "commerce", "signingKey": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="}}
            """);

        var options = SuiteOptions.Parse("calibrate", ["--copies", "20"], repo, Now);

        Assert.Equal(new Uri("http://127.0.0.1:41234"), options.Target);
        Assert.Equal("commerce", options.Auth!.Audience);
        Assert.Equal(20, options.Copies);
        Assert.Equal(4321, options.AppHostPid);
        Assert.Null(options.Rate);
        Assert.Equal(Path.Combine(repo, "artifacts", "loadtests", "calibrate-20251230-140000"), options.ReportDir);
        await using var system = await SystemUnderTest.OpenAsync(options, TestContext.Current.CancellationToken);
        Assert.Equal(3, system.CreateToken("u-1").Split('.').Length);
    }

    [Fact]
    public async Task Target_on_the_command_line_wins_and_needs_no_file()
    {
        var options = SuiteOptions.Parse("calibrate", ["--target", "http://10.0.0.5:8080", "--duration", "5s", "--compare"], repo, Now);

        Assert.Equal(new Uri("http://10.0.0.5:8080"), options.Target);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Duration);
        Assert.True(options.Compare);
        Assert.False(options.SplitCores);
        Assert.Null(options.AppHostPid);
        Assert.Null(options.Auth);
        await using var system = await SystemUnderTest.OpenAsync(options, TestContext.Current.CancellationToken);
        Assert.Throws<UsageException>(() => system.CreateToken("u-1"));
    }

    [Fact]
    public void Start_needs_no_running_system_and_carries_the_settings_for_the_one_it_starts()
    {
        var options = SuiteOptions.Parse(
            "gate", ["--start", "--set", "Orders__LockScope=Global", "--set", "A=b=c", "--write-baseline"], repo, Now);

        Assert.True(options.Start);
        Assert.Null(options.Target);
        Assert.Equal("--start", options.TargetSource);
        Assert.Equal("Global", options.Settings["Orders__LockScope"]);
        Assert.Equal("b=c", options.Settings["A"]);
        Assert.True(options.WriteBaseline);
    }

    [Fact]
    public void Settings_without_start_are_refused_since_a_running_system_cannot_take_them()
    {
        var error = Assert.Throws<UsageException>(() =>
            SuiteOptions.Parse("gate", ["--target", "http://x", "--set", "Orders__LockScope=Global"], repo, Now));

        Assert.Contains("add --start", error.Message);
    }

    [Fact]
    public void A_broken_endpoints_file_is_named_in_the_error()
    {
        Directory.CreateDirectory(Path.Combine(repo, ".commerce"));
        File.WriteAllText(Path.Combine(repo, ".commerce", "endpoints.json"), "{ not json");

        var error = Assert.Throws<UsageException>(() => SuiteOptions.Parse("calibrate", [], repo, Now));

        Assert.Contains("endpoints.json is not valid JSON", error.Message);
    }

    [Theory]
    [InlineData(new string[0], "no target")]
    [InlineData(new[] { "--target", "http://x", "--copies", "many" }, "--copies needs a positive whole number")]
    [InlineData(new[] { "--target", "http://x", "--durration", "5s" }, "unknown option")]
    [InlineData(new[] { "--target" }, "missing value")]
    [InlineData(new[] { "--target", "http://x", "--split-cores" }, "add --compare")]
    public void Unusable_command_lines_say_what_is_wrong(string[] args, string message)
    {
        var error = Assert.Throws<UsageException>(() => SuiteOptions.Parse("calibrate", args, repo, Now));

        Assert.Contains(message, error.Message);
    }

    public void Dispose() => Directory.Delete(repo, recursive: true);
}
