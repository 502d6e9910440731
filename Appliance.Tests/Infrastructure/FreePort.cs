using System.Net;
using System.Net.Sockets;

namespace Appliance.Tests.Infrastructure;

public static class FreePort
{
    /// <summary>A loopback port that was free a moment ago (the OS hands out each ephemeral port rarely).</summary>
    public static int Get()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
