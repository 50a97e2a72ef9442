using Commerce.Operations.Metrics;

namespace Commerce.Operations.Alerts;

/// <summary>
/// The status pill: the alerts in a few words ("1 alert firing · 1 pending") and a level for its colour: "bad" when a
/// critical alert fires, "warn" for anything else firing or pending, "ok" for none. Resources are the Aspire dashboard's.
/// </summary>
public sealed record AlertStatus(string Text, string Level)
{
    public const string Ok = "ok";
    public const string Warn = "warn";
    public const string Bad = "bad";

    /// <summary>Null alerts are unknown (Prometheus did not answer), which is not "No alerts".</summary>
    public static AlertStatus Of(IReadOnlyCollection<AlertInfo>? alerts)
    {
        if (alerts is null) return new AlertStatus("Alerts unknown", Warn);

        var firing = alerts.Where(alert => alert.State == AlertView.Firing).ToList();
        var pending = alerts.Count(alert => alert.State == AlertView.Pending);
        if (firing.Count == 0 && pending == 0) return new AlertStatus("No alerts", Ok);

        var text = (firing.Count, pending) switch
        {
            (0, _) => $"{Alerts(pending)} pending",
            (_, 0) => $"{Alerts(firing.Count)} firing",
            _ => $"{Alerts(firing.Count)} firing · {pending} pending",
        };
        return new AlertStatus(text, firing.Any(alert => alert.Severity == "critical") ? Bad : Warn);
    }

    private static string Alerts(int count) => count == 1 ? "1 alert" : $"{count} alerts";
}
