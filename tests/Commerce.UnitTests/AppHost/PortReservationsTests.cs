using Commerce.AppHost.Hosting;

namespace Commerce.UnitTests.AppHost;

public sealed class PortReservationsTests
{
    [Fact]
    public void A_port_handed_out_is_not_handed_out_again_until_released()
    {
        var port = HostContext.FreeLoopbackPort();
        try
        {
            Assert.False(PortReservations.TryReserve(port));
        }
        finally
        {
            PortReservations.Release(port);
        }

        Assert.True(PortReservations.TryReserve(port));
        PortReservations.Release(port);
    }

    [Fact]
    public void Ports_come_from_below_the_kernels_ephemeral_range_where_client_connections_never_land()
    {
        var ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0]);
        var ports = Enumerable.Range(0, 20).Select(_ => HostContext.FreeLoopbackPort()).ToList();
        try
        {
            Assert.All(ports, port => Assert.InRange(port, 1024, ephemeralLow - 1));
            Assert.Equal(ports.Count, ports.Distinct().Count());
        }
        finally
        {
            ports.ForEach(PortReservations.Release);
        }
    }
}
