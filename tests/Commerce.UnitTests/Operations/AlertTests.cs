using Commerce.Operations.Alerts;
using Commerce.Operations.Metrics;

namespace Commerce.UnitTests.Operations;

/// <summary>What the alerts on top of the page and the status pill say.</summary>
public sealed class AlertTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static AlertInfo Alert(string name, string state, string severity = "warning", DateTimeOffset? activeAt = null) =>
        new(name, severity, state, $"{name} summary", null, new Dictionary<string, string>(), activeAt);

    [Theory]
    [InlineData("firing", 120, "firing for 2 min")]
    [InlineData("pending", 15, "pending for 15 s")]
    [InlineData("firing", 59.9, "firing for 59 s")]
    [InlineData("firing", 3599, "firing for 59 min")]
    [InlineData("firing", 3600, "firing for 1 h")]
    [InlineData("firing", 3900, "firing for 1 h 5 min")]
    [InlineData("firing", 93600, "firing for 1 d 2 h")]
    public void An_alert_says_how_long_it_has_been_in_its_state(string state, double seconds, string expected)
    {
        Assert.Equal(expected, AlertView.Describe(state, TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void The_age_comes_from_Prometheus_activeAt_and_is_never_negative()
    {
        var alerts = AlertView.Of(
        [
            Alert("Slow", "firing", activeAt: Now.AddSeconds(-125.6)),
            Alert("Skewed", "pending", activeAt: Now.AddSeconds(3)),
            Alert("Timeless", "pending"),
        ], Now);

        Assert.Equal([(125.0, "firing for 2 min"), (0.0, "pending for 0 s")],
            alerts.Take(2).Select(alert => (alert.AgeSeconds!.Value, alert.Age)));
        Assert.Equal((null, "pending"), (alerts[2].AgeSeconds, alerts[2].Age));
    }

    [Fact]
    public void Firing_comes_before_pending_and_critical_before_warning_then_the_oldest_first()
    {
        var alerts = AlertView.Of(
        [
            Alert("PendingCritical", "pending", "critical", Now.AddMinutes(-1)),
            Alert("FiringWarningNew", "firing", "warning", Now.AddMinutes(-1)),
            Alert("FiringWarningOld", "firing", "warning", Now.AddMinutes(-9)),
            Alert("FiringCritical", "firing", "critical", Now.AddMinutes(-1)),
        ], Now);

        Assert.Equal(["FiringCritical", "FiringWarningOld", "FiringWarningNew", "PendingCritical"], alerts.Select(alert => alert.Name));
    }

    [Fact]
    public void The_status_sums_up_the_alerts_and_is_red_only_for_a_critical_one_firing()
    {
        Assert.Equal(new AlertStatus("No alerts", "ok"), AlertStatus.Of([]));
        Assert.Equal(new AlertStatus("1 alert pending", "warn"), AlertStatus.Of([Alert("A", "pending", "critical")]));
        Assert.Equal(new AlertStatus("2 alerts firing", "warn"), AlertStatus.Of([Alert("A", "firing"), Alert("B", "firing")]));
        Assert.Equal(new AlertStatus("1 alert firing · 1 pending", "bad"),
            AlertStatus.Of([Alert("A", "firing", "critical"), Alert("B", "pending")]));
    }

    [Fact]
    public void Alerts_Prometheus_did_not_give_are_unknown_not_none()
    {
        Assert.Equal(new AlertStatus("Alerts unknown", "warn"), AlertStatus.Of(null));
    }
}
