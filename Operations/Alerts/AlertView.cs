using Commerce.Operations.Metrics;

namespace Commerce.Operations.Alerts;

/// <summary>An alert as the page shows it: Prometheus's alert and how long it has been active ("firing for 2 min").</summary>
public sealed record AlertView(
    string Name, string Severity, string State, string? Summary, string? Description,
    IReadOnlyDictionary<string, string> Labels, DateTimeOffset? ActiveAt, double? AgeSeconds, string Age)
{
    public const string Firing = "firing";
    public const string Pending = "pending";

    /// <summary>Firing before pending, critical before warning, the oldest first: the order an operator acts in.</summary>
    public static IReadOnlyList<AlertView> Of(IEnumerable<AlertInfo> alerts, DateTimeOffset now) => alerts
        .Select(alert =>
        {
            // Prometheus's clock may run a little ahead of ours: a moment in the future is "0 s".
            TimeSpan? age = alert.ActiveAt is { } activeAt ? (now > activeAt ? now - activeAt : TimeSpan.Zero) : null;
            return new AlertView(alert.Name, alert.Severity, alert.State, alert.Summary, alert.Description, alert.Labels,
                alert.ActiveAt, age is { } known ? Math.Floor(known.TotalSeconds) : null, Describe(alert.State, age));
        })
        .OrderBy(alert => alert.State == Firing ? 0 : 1)
        .ThenBy(alert => SeverityRank(alert.Severity))
        .ThenBy(alert => alert.ActiveAt ?? DateTimeOffset.MaxValue)
        .ThenBy(alert => alert.Name, StringComparer.Ordinal)
        .ToList();

    /// <summary>
    /// "firing for 2 min", "pending for 15 s"; the state alone when Prometheus gave no time. Prometheus's <c>activeAt</c> is
    /// when the alert went pending, so a firing alert's age includes its rule's <c>for</c> wait.
    /// </summary>
    public static string Describe(string state, TimeSpan? age) => age is { } known ? $"{state} for {Duration(known)}" : state;

    // Coarse on purpose: "1 h 3 min" is what an operator needs, not the seconds.
    private static string Duration(TimeSpan age) => age switch
    {
        _ when age < TimeSpan.FromMinutes(1) => $"{(int)age.TotalSeconds} s",
        _ when age < TimeSpan.FromHours(1) => $"{(int)age.TotalMinutes} min",
        _ when age < TimeSpan.FromDays(1) => age.Minutes == 0 ? $"{(int)age.TotalHours} h" : $"{(int)age.TotalHours} h {age.Minutes} min",
        _ => age.Hours == 0 ? $"{(int)age.TotalDays} d" : $"{(int)age.TotalDays} d {age.Hours} h",
    };

    private static int SeverityRank(string severity) => severity switch { "critical" => 0, "warning" => 1, _ => 2 };
}
