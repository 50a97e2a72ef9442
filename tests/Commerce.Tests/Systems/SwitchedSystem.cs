namespace Commerce.Tests.Systems;

/// <summary>
/// One system with the switches other than the defaults: both incidents (<c>Orders__LockScope=Global</c>,
/// <c>Coupons__IssueStrategy=DbLock</c>) and <c>Notifications__Language=en</c>, with three Order replicas. Its tests run
/// one after another (the switches' tests never meet), and after the parallel ones: the incidents' designs collapse under
/// load by nature, and with the whole suite on two cores the DbLock rush timed out in CI where alone it takes seconds.
/// </summary>
public sealed class SwitchedSystem : IAsyncLifetime
{
    public CommerceSystem System { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        System = await CommerceSystem.StartAsync("switched", new Dictionary<string, string>
        {
            ["Orders__LockScope"] = "Global",
            ["Coupons__IssueStrategy"] = "DbLock",
            ["Notifications__Language"] = "en",
            ["Replicas__Order"] = "3",
        });

    public async ValueTask DisposeAsync() => await System.DisposeAsync();
}

[CollectionDefinition(nameof(SwitchedSystem), DisableParallelization = true)]
public sealed class SwitchedSystemCollection : ICollectionFixture<SwitchedSystem>;
