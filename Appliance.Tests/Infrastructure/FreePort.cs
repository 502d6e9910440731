using System.Net;
using System.Net.Sockets;

namespace Appliance.Tests.Infrastructure;

public static class FreePort
{
    // Below the kernel's ephemeral range (32768–60999 on Debian): a port from that range can be taken
    // by any outgoing connection between being found free and being bound, which made tests fail with
    // "address already in use". Ports here are handed out once per test run and only if bindable now.
    private const int First = 20000;
    private const int Last = 32000;
    private static int _next = First + Random.Shared.Next(Last - First);

    /// <summary>A loopback port that is free now and that no other caller in this process has been given.</summary>
    public static int Get()
    {
        for (var tries = 0; tries < Last - First; tries++)
        {
            var port = First + ((Interlocked.Increment(ref _next) - First) % (Last - First));
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken by another program: try the next one.
            }
        }
        throw new InvalidOperationException("no free loopback port below the ephemeral range");
    }
}
