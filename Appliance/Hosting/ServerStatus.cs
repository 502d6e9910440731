using Appliance.Protocols;
using Microsoft.Extensions.Options;

namespace Appliance.Hosting;

/// <summary>One listener on the console's status page: its port, its connections now, its limit and what it refused.</summary>
public sealed record ListenerStatus(string Name, int Port, int Active, int Limit, long Accepted, long Refused, long Dropped);

/// <summary>What the process holds now, against its limits.</summary>
public sealed record ServerStatusSnapshot(
    IReadOnlyList<ListenerStatus> Listeners,
    ConnectionLimits Limits,
    int ActiveConnections,
    int? OpenFiles,
    long? ResidentBytes,
    long? PeakResidentBytes,
    long ManagedHeapBytes,
    TimeSpan Uptime);

/// <summary>Reads the connection counts, descriptors and memory for the administrator's status page.</summary>
public sealed class ServerStatus(ConnectionLimiter limiter, IOptions<ListenerOptions> listeners, TimeProvider time)
{
    private readonly DateTimeOffset _started = time.GetUtcNow();

    public ServerStatusSnapshot Read()
    {
        var counts = limiter.Snapshot().ToDictionary(l => l.Listener, StringComparer.Ordinal);
        var rows = new List<ListenerStatus>();
        foreach (var (name, port) in listeners.Value.All())
        {
            if (port <= 0)
            {
                continue;
            }
            var c = counts.GetValueOrDefault(name);
            rows.Add(new ListenerStatus(name, port, c?.Active ?? 0, limiter.Limits.PerListener, c?.Accepted ?? 0,
                (c?.RefusedTotal ?? 0) + (c?.RefusedListener ?? 0) + (c?.RefusedAddress ?? 0), c?.Dropped ?? 0));
        }
        var (resident, peak) = ProcessResources.Memory();
        return new ServerStatusSnapshot(rows, limiter.Limits, limiter.Active, ProcessResources.OpenFileDescriptors(),
            resident, peak, GC.GetTotalMemory(forceFullCollection: false), time.GetUtcNow() - _started);
    }
}
