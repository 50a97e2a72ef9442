using Commerce.LoadTests.Harness;

namespace Commerce.UnitTests.LoadTests;

/// <summary>wrk and hey summaries as they printed them on this machine (wrk 4.1.0, hey from Debian).</summary>
public sealed class ReferenceToolOutputTests
{
    private const string Wrk = """
        Running 3s test @ http://127.0.0.1:5099/api/ping
          2 threads and 50 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency     1.01ms    1.01ms  28.00ms   91.50%
            Req/Sec    26.20k     6.66k   36.92k    61.67%
          Latency Distribution
             50%  740.00us
             75%    1.13ms
             90%    1.86ms
             99%    5.06ms
          156701 requests in 3.01s, 20.47MB read
        Requests/sec:  52009.57
        Transfer/sec:      6.80MB
        """;

    private const string WrkNotFound = """
        Running 1s test @ http://127.0.0.1:5099/nope
          1 threads and 5 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency     2.57ms   10.58ms  77.66ms   94.94%
            Req/Sec    32.96k    10.86k   48.49k    81.82%
          Latency Distribution
             50%  108.00us
             75%  199.00us
             90%    1.38ms
             99%   64.13ms
          36039 requests in 1.10s, 3.40MB read
          Non-2xx or 3xx responses: 36039
        Requests/sec:  32774.23
        Transfer/sec:      3.09MB
        """;

    private const string Hey = """

        Summary:
          Total:	3.0016 secs
          Slowest:	0.0376 secs
          Fastest:	0.0000 secs
          Average:	0.0017 secs
          Requests/sec:	29392.8827

          Total data:	352908 bytes
          Size/request:	4 bytes

        Response time histogram:
          0.000 [1]	|
          0.004 [83236]	|■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■
          0.008 [4382]	|■■
          0.011 [401]	|
          0.015 [131]	|
          0.019 [35]	|
          0.023 [7]	|
          0.026 [27]	|
          0.030 [0]	|
          0.034 [0]	|
          0.038 [7]	|


        Latency distribution:
          10% in 0.0004 secs
          25% in 0.0009 secs
          50% in 0.0014 secs
          75% in 0.0021 secs
          90% in 0.0030 secs
          95% in 0.0040 secs
          99% in 0.0069 secs

        Details (average, fastest, slowest):
          DNS+dialup:	0.0000 secs, 0.0000 secs, 0.0376 secs
          DNS-lookup:	0.0000 secs, 0.0000 secs, 0.0000 secs
          req write:	0.0000 secs, 0.0000 secs, 0.0123 secs
          resp wait:	0.0016 secs, 0.0000 secs, 0.0369 secs
          resp read:	0.0000 secs, 0.0000 secs, 0.0139 secs

        Status code distribution:
          [200]	88227 responses
        """;

    private const string HeyRefused = """

        Summary:
          Total:	1.0005 secs
          Slowest:	0.0000 secs
          Fastest:	0.0000 secs
          Average:	 NaN secs
          Requests/sec:	11369.5066


        Response time histogram:


        Latency distribution:

        Details (average, fastest, slowest):
          DNS+dialup:	 NaN secs, 0.0000 secs, 0.0000 secs
          DNS-lookup:	 NaN secs, 0.0000 secs, 0.0000 secs
          req write:	 NaN secs, 0.0000 secs, 0.0000 secs
          resp wait:	 NaN secs, 0.0000 secs, 0.0000 secs
          resp read:	 NaN secs, 0.0000 secs, 0.0000 secs

        Status code distribution:

        Error distribution:
          [11375]	Get "http://127.0.0.1:5098/api/ping": dial tcp 127.0.0.1:5098: connect: connection refused
        """;

    [Fact]
    public void Wrk_rate_percentiles_and_count_are_read_in_milliseconds()
    {
        var wrk = ReferenceTools.ParseWrk("wrk …", Wrk);

        Assert.Null(wrk.Skipped);
        Assert.Equal(52009.57, wrk.Rps);
        Assert.Equal(0.74, wrk.P50Ms);
        Assert.Equal(5.06, wrk.P99Ms);
        Assert.Equal(156701, wrk.Requests);
        Assert.Equal(0, wrk.Errors);
    }

    [Fact]
    public void Wrk_non_2xx_answers_are_errors()
    {
        var wrk = ReferenceTools.ParseWrk("wrk …", WrkNotFound);

        Assert.Equal(36039, wrk.Errors);
        Assert.Equal(0.108, wrk.P50Ms);
    }

    [Fact]
    public void Wrk_that_could_not_connect_is_reported_as_skipped_with_its_words()
    {
        var wrk = ReferenceTools.ParseWrk("wrk …", "unable to connect to 127.0.0.1:5098 Connection refused\n");

        Assert.Contains("Connection refused", wrk.Skipped);
    }

    [Fact]
    public void Hey_rate_percentiles_and_status_counts_are_read()
    {
        var hey = ReferenceTools.ParseHey("hey …", Hey);

        Assert.Equal(29392.8827, hey.Rps);
        Assert.Equal(1.4, hey.P50Ms!.Value, 1e-9);
        Assert.Equal(6.9, hey.P99Ms!.Value, 1e-9);
        Assert.Equal(88227, hey.Requests);
        Assert.Equal(0, hey.Errors);
    }

    [Fact]
    public void Hey_counts_requests_it_could_not_send_as_errors()
    {
        var hey = ReferenceTools.ParseHey("hey …", HeyRefused);

        Assert.Equal(11375, hey.Errors);
        Assert.Equal(11375, hey.Requests);
        Assert.Null(hey.P50Ms);
    }

    [Fact]
    public void The_comparison_compares_within_each_round_and_median_with_median()
    {
        var harness = new Stats("ping", null, 50_000, 0, 10, new LatencyStats(50_000, 0.1, 1, 1.2, 1.5, 2, 3, 9), [], []);
        (int, ToolMeasurement)[] runs =
        [
            (1, ToolMeasurement.FromHarness(harness, TimeSpan.FromSeconds(5))),
            (1, new("wrk", "wrk …", 6000, 1.0, 2.0, 60_000, 0, null, 1.2)),
            (1, new("hey", "hey …", 0, null, null, 0, 0, "not installed")),
            (2, new("wrk", "wrk …", 4000, 1.4, 2.0, 40_000, 0, null, 1.0)),
            (2, ToolMeasurement.FromHarness(harness with { Ok = 40_000 }, TimeSpan.FromSeconds(4))),
            (3, new("wrk", "wrk …", 5000, 1.2, 2.0, 50_000, 0, null, 1.1)),
        ];

        var table = ReferenceTools.Comparison(runs);

        Assert.Equal(["1 harness", "1 wrk", "1 hey", "2 wrk", "2 harness", "3 wrk", "median harness", "median wrk"],
            table.Rows.Select(r => $"{r[0]} {r[1]}"));
        Assert.Equal("100", table.Rows[0][7]); // 5 s of CPU for 50,000 requests
        Assert.Equal("−16.7 %", table.Rows[1][8]); // 5,000 against 6,000 in round 1
        Assert.Equal("+20.0 %", table.Rows[1][9]);
        Assert.Equal("skipped: not installed", table.Rows[2][^1]);
        Assert.Equal("0.0 %", table.Rows[3][8]); // 4,000 against 4,000 in round 2
        Assert.Equal("", table.Rows[5][8]); // no harness in round 3
        Assert.Equal("−10.0 %", table.Rows[^1][8]); // median 4,500 against median 5,000
    }

    [Fact]
    public void Rounds_rotate_so_no_tool_always_goes_first()
    {
        Assert.Equal(["harness", "wrk", "hey"], ReferenceTools.OrderOfRound(1));
        Assert.Equal(["wrk", "hey", "harness"], ReferenceTools.OrderOfRound(2));
        Assert.Equal(["hey", "harness", "wrk"], ReferenceTools.OrderOfRound(3));
        Assert.Equal(["harness", "wrk", "hey"], ReferenceTools.OrderOfRound(4));
    }
}
