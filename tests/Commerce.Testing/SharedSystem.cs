using Xunit;

namespace Commerce.Testing;

/// <summary>
/// The one running system the end-to-end tests share (an assembly fixture): started once per test run, stopped at its end
/// together with the shared infrastructure. Tests use unique ids, so they can run side by side on it. It runs as the
/// fixtures are meant to: two copies of every service (three of Order, for the lock across replicas), the Aspire
/// dashboard on (so traces reach it), and a Prometheus drill rule that always fires (for the operations page's alerts).
/// </summary>
public sealed class SharedSystem : IAsyncLifetime
{
    public const string DrillAlert = "DashboardDrillAlwaysFiring";

    private CommerceSystem? system;

    public CommerceSystem System => system ?? throw new InvalidOperationException("The shared system has not started.");

    public async ValueTask InitializeAsync()
    {
        var rules = Path.Combine(RepositoryPaths.NewTemporaryFolder("drill-rules"), "drill.yml");
        await File.WriteAllTextAsync(rules, $"""
            groups:
              - name: dashboard-drill
                rules:
                  - alert: {DrillAlert}
                    expr: vector(1) > 0
                    labels:
                      severity: critical
                    annotations:
                      summary: "A drill: the operations page's test forced this alert"
            """);
        system = await CommerceSystem.StartAsync(
            "shared",
            new Dictionary<string, string>
            {
                ["Replicas"] = "2",
                ["Replicas__Order"] = "3",
                ["COMMERCE_EXTRA_RULES"] = rules,
                // An order whose prices can be read goes the parallel way here, whatever else the machine is doing: with
                // the default 250 ms, a CI run's cold Stock answered late and an order went the sequential way.
                ["Orders__PriceReadBudgetMilliseconds"] = "10000",
            },
            withAspireDashboard: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (system is not null) await system.DisposeAsync();
        await TestInfrastructure.StopSharedAsync();
    }
}
