namespace Commerce.Tests.Systems;

/// <summary>
/// A system for killing things mid-flight: two copies of every service (three of Coupon), a Redis of its own, saga steps
/// that time out after 20 s, and coupon admissions cut off by a kill recorded after 10 s. Its tests run one after another.
/// </summary>
public sealed class FaultSystem : IAsyncLifetime
{
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(20);

    public CommerceSystem System { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        System = await CommerceSystem.StartAsync(
            "faults",
            new Dictionary<string, string>
            {
                ["Orders__StepTimeoutSeconds"] = ((int)StepTimeout.TotalSeconds).ToString(global::System.Globalization.CultureInfo.InvariantCulture),
                ["Coupons__PendingGraceSeconds"] = "10",
                ["Coupons__UpkeepIntervalSeconds"] = "1",
                ["Replicas"] = "2",
                ["Replicas__Coupon"] = "3",
            },
            ownRedis: true);

    public async ValueTask DisposeAsync() => await System.DisposeAsync();
}

// Alone, after the parallel tests: twelve processes starting beside the shared system's thirteen on two cores took minutes.
[CollectionDefinition(nameof(FaultSystem), DisableParallelization = true)]
public sealed class FaultSystemCollection : ICollectionFixture<FaultSystem>;
