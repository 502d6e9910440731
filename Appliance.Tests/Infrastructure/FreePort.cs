using System.Net;
using System.Net.Sockets;

namespace Appliance.Tests.Infrastructure;

public static class FreePort
{
    private static readonly HashSet<int> Given = [];

    /// <summary>
    /// A loopback port that was free a moment ago and that this process has not handed out before:
    /// Linux often gives the port just closed to the next bind to port 0, and a host takes four at once.
    /// </summary>
    public static int Get()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Given)
            {
                if (Given.Add(port)) return port;
            }
        }
    }
}
