using System.Diagnostics;
using Commerce.LoadTests.Harness;

namespace Commerce.UnitTests.LoadTests;

/// <summary>A real process tree (a shell and its child) pinned and unpinned with taskset, read back from /proc.</summary>
public sealed class CoreSplitTests
{
    [Fact]
    public async Task The_system_tree_goes_to_the_first_core_this_process_to_the_others_and_back()
    {
        if (!OperatingSystem.IsLinux() || Environment.ProcessorCount < 2)
        {
            Assert.Skip("needs Linux and two cores");
        }

        var all = $"0-{Environment.ProcessorCount - 1}";
        using var shell = Process.Start(new ProcessStartInfo("sh", ["-c", "sleep 60 & wait"]))!;
        try
        {
            var child = await WaitForChildAsync(shell.Id);

            using (var split = await CoreSplit.ApplyAsync(shell.Id))
            {
                Assert.Equal("0", AllowedCores(shell.Id));
                Assert.Equal("0", AllowedCores(child));
                Assert.Equal(Environment.ProcessorCount == 2 ? "1" : $"1-{Environment.ProcessorCount - 1}", AllowedCores(Environment.ProcessId));
                Assert.Equal(["-c", split.GeneratorCores, "wrk", "-c", "5"], split.Wrap("wrk", ["-c", "5"]).Arguments);
            }

            Assert.Equal(all, AllowedCores(shell.Id));
            Assert.Equal(all, AllowedCores(child));
            Assert.Equal(all, AllowedCores(Environment.ProcessId));
        }
        finally
        {
            shell.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task A_system_that_is_not_running_is_refused()
    {
        if (!OperatingSystem.IsLinux() || Environment.ProcessorCount < 2)
        {
            Assert.Skip("needs Linux and two cores");
        }

        var error = await Assert.ThrowsAsync<UsageException>(() => CoreSplit.ApplyAsync(int.MaxValue));

        Assert.Contains("is not running", error.Message);
    }

    private static string AllowedCores(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Single(line => line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split(':')[1].Trim();

    private static async Task<int> WaitForChildAsync(int parent)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var children = File.ReadAllText($"/proc/{parent}/task/{parent}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (children.Length > 0)
            {
                return int.Parse(children[0], System.Globalization.CultureInfo.InvariantCulture);
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"pid {parent} started no child within 10 s");
    }
}
