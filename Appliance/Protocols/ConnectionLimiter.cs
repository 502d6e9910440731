using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Protocols;

/// <summary>Why a connection was refused; the console counts each.</summary>
public enum ConnectionRefusal
{
    None,
    Total,
    Listener,
    Address,
}

/// <summary>The limits in force, as derived at start.</summary>
/// <param name="FileDescriptorLimit">The soft <c>RLIMIT_NOFILE</c>, or null if it could not be read.</param>
/// <param name="OpenAtStart">Descriptors the process held when the limits were derived.</param>
public sealed record ConnectionLimits(int Total, int PerListener, int PerAddress, long? FileDescriptorLimit, int? OpenAtStart, int Reserved, int RefusalsInFlight);

/// <summary>One listener's connections now and the refusals since start.</summary>
public sealed record ListenerConnections(string Listener, int Active, long Accepted, long RefusedTotal, long RefusedListener, long RefusedAddress, long Dropped);

/// <summary>
/// Counts connections on every listener, in total, per listener and per client address, against the
/// <see cref="ConnectionLimits"/> derived at start (see <see cref="ConnectionLimitOptions"/>).
/// </summary>
public sealed partial class ConnectionLimiter
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ListenerState> _listeners = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Listener, IPAddress Address), int> _addresses = [];
    private readonly ILogger<ConnectionLimiter> _logger;
    private int _total;
    private int _refusing;

    public ConnectionLimiter(IOptions<ConnectionLimitOptions> options, ILogger<ConnectionLimiter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        Limits = Derive(options.Value, ProcessResources.FileDescriptorLimit(), ProcessResources.OpenFileDescriptors(), out var lowered);
        if (lowered is { } asked)
        {
            LogLowered(_logger, asked, Limits.Total, Limits.FileDescriptorLimit ?? 0);
        }
        LogLimits(_logger, Limits.Total, Limits.PerListener, Limits.PerAddress, Limits.FileDescriptorLimit ?? -1, Limits.OpenAtStart ?? -1, Limits.Reserved);
    }

    public ConnectionLimits Limits { get; }

    /// <summary>
    /// The limits from the options and the descriptors: what <see cref="ConnectionLimitOptions"/> documents.
    /// <paramref name="lowered"/> is the configured total when the descriptors could not carry it.
    /// </summary>
    internal static ConnectionLimits Derive(ConnectionLimitOptions o, long? descriptorLimit, int? openNow, out int? lowered)
    {
        ArgumentNullException.ThrowIfNull(o);
        lowered = null;
        // Without a readable limit (or an unlimited one) the ceiling alone bounds the total.
        var room = descriptorLimit is { } limit
            ? (int)Math.Clamp(limit - (openNow ?? 0) - o.ReservedFileDescriptors, 1, int.MaxValue)
            : int.MaxValue;
        int total;
        if (o.MaxTotal > 0)
        {
            total = Math.Min(o.MaxTotal, room);
            if (total < o.MaxTotal)
            {
                lowered = o.MaxTotal;
            }
        }
        else
        {
            total = Math.Min(room, o.AutomaticCeiling);
        }
        var perListener = o.MaxPerListener > 0 ? Math.Min(o.MaxPerListener, total) : Math.Max(1, total * 3 / 4);
        var perAddress = o.MaxPerAddress > 0 ? Math.Min(o.MaxPerAddress, perListener) : Math.Max(1, perListener / 2);
        return new ConnectionLimits(total, perListener, perAddress, descriptorLimit, openNow, o.ReservedFileDescriptors, o.MaxRefusalsInFlight);
    }

    /// <summary>Counts a new connection, or says which limit refuses it. Every success needs one <see cref="Release"/>.</summary>
    public ConnectionRefusal TryAcquire(string listener, IPAddress? address)
    {
        lock (_gate)
        {
            var state = State(listener);
            var key = address is null ? default : (listener, Normalize(address));
            var fromAddress = address is null ? 0 : _addresses.GetValueOrDefault(key);
            var refusal = _total >= Limits.Total ? ConnectionRefusal.Total
                : state.Active >= Limits.PerListener ? ConnectionRefusal.Listener
                : address is not null && fromAddress >= Limits.PerAddress ? ConnectionRefusal.Address
                : ConnectionRefusal.None;
            switch (refusal)
            {
                case ConnectionRefusal.None:
                    _total++;
                    state.Active++;
                    state.Accepted++;
                    if (address is not null)
                    {
                        _addresses[key] = fromAddress + 1;
                    }
                    break;
                case ConnectionRefusal.Total:
                    state.RefusedTotal++;
                    break;
                case ConnectionRefusal.Listener:
                    state.RefusedListener++;
                    break;
                default:
                    state.RefusedAddress++;
                    break;
            }
            if (refusal != ConnectionRefusal.None && Environment.TickCount64 - state.LastRefusalLog > 10_000)
            {
                // One line per listener every ten seconds, not one per refused connection: a flood must not flood the log.
                state.LastRefusalLog = Environment.TickCount64;
                LogRefused(_logger, listener, refusal, address?.ToString() ?? "?", _total, state.Active);
            }
            return refusal;
        }
    }

    public void Release(string listener, IPAddress? address)
    {
        lock (_gate)
        {
            _total--;
            State(listener).Active--;
            if (address is not null)
            {
                var key = (listener, Normalize(address));
                if (_addresses.TryGetValue(key, out var count))
                {
                    if (count <= 1) _addresses.Remove(key);
                    else _addresses[key] = count - 1;
                }
            }
        }
    }

    /// <summary>Whether a refused connection may be answered now (false: close it without a word).</summary>
    public bool TryBeginRefusal(string listener)
    {
        lock (_gate)
        {
            if (_refusing >= Limits.RefusalsInFlight)
            {
                State(listener).Dropped++;
                return false;
            }
            _refusing++;
            return true;
        }
    }

    public void EndRefusal()
    {
        lock (_gate)
        {
            _refusing--;
        }
    }

    /// <summary>Connections now, in total.</summary>
    public int Active
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    /// <summary>Each listener seen so far, in the order they first had a connection or were registered.</summary>
    public IReadOnlyList<ListenerConnections> Snapshot()
    {
        lock (_gate)
        {
            return [.. _listeners.Select(l => new ListenerConnections(l.Key, l.Value.Active, l.Value.Accepted,
                l.Value.RefusedTotal, l.Value.RefusedListener, l.Value.RefusedAddress, l.Value.Dropped))];
        }
    }

    /// <summary>Makes a listener visible (with zero connections) before its first connection.</summary>
    public void Register(string listener)
    {
        lock (_gate)
        {
            _ = State(listener);
        }
    }

    private ListenerState State(string listener)
    {
        if (!_listeners.TryGetValue(listener, out var state))
        {
            state = new ListenerState();
            _listeners[listener] = state;
        }
        return state;
    }

    // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d; it is the same host as a.b.c.d.
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private sealed class ListenerState
    {
        public int Active;
        public long Accepted;
        public long RefusedTotal;
        public long RefusedListener;
        public long RefusedAddress;
        public long Dropped;
        public long LastRefusalLog = -10_000_000;
    }

    [LoggerMessage(EventId = 4701, Level = LogLevel.Information,
        Message = "Connection limits: {Total} in total, {PerListener} per listener, {PerAddress} per client address (descriptor limit {Limit}, {Open} open at start, {Reserved} reserved)")]
    private static partial void LogLimits(ILogger logger, int total, int perListener, int perAddress, long limit, int open, int reserved);

    [LoggerMessage(EventId = 4702, Level = LogLevel.Warning,
        Message = "Appliance:Connections:MaxTotal is {Asked}, but the descriptor limit {Limit} allows {Total}; raise LimitNOFILE (ulimit -n) to allow more")]
    private static partial void LogLowered(ILogger logger, int asked, int total, long limit);

    [LoggerMessage(EventId = 4703, Level = LogLevel.Warning,
        Message = "Refusing connections on {Listener}: the {Limit} limit is reached (from {Address}; {Total} open in total, {Active} on this listener)")]
    private static partial void LogRefused(ILogger logger, string listener, ConnectionRefusal limit, string address, int total, int active);
}
