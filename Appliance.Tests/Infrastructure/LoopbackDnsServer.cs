using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Appliance.Dns;

namespace Appliance.Tests.Infrastructure;

/// <summary>What the responder does with one query.</summary>
public abstract record DnsReply
{
    /// <summary>No reply at all: the client must time out.</summary>
    public static readonly DnsReply Silent = new Sequence([]);

    public static DnsReply Message(DnsMessage message) => new Sequence([DnsMessageWriter.Write(message)]);

    public static DnsReply Bytes(params byte[][] datagrams) => new Sequence(datagrams);

    /// <summary>Several datagrams for one query (over UDP), e.g. a spoof with a wrong id before the real reply.</summary>
    public sealed record Sequence(IReadOnlyList<byte[]> Datagrams) : DnsReply;
}

/// <summary>
/// A small recursive-server stand-in on 127.0.0.1, UDP and TCP on one free port, scripted per test:
/// an answer table (CNAMEs chased within it, as a recursive server would), or a <see cref="Handler"/>
/// for anything odd (silence, SERVFAIL, garbage, wrong ids). It reuses the production writer to
/// encode replies; the reader is checked on its own against hand-built bytes in DnsMessageTests.
/// </summary>
public sealed class LoopbackDnsServer : IAsyncDisposable
{
    private readonly Socket _udp;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;
    private readonly ConcurrentDictionary<(string Name, DnsRecordType Type), List<DnsResourceRecord>> _table = new();
    private int _udpQueries;
    private int _tcpQueries;

    private LoopbackDnsServer(Socket udp, TcpListener tcp)
    {
        _udp = udp;
        _tcp = tcp;
        EndPoint = (IPEndPoint)udp.LocalEndPoint!;
        _udpLoop = Task.Run(UdpLoopAsync);
        _tcpLoop = Task.Run(TcpLoopAsync);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>"127.0.0.1:port", as <c>Appliance:Dns:Servers</c> takes it.</summary>
    public string Address => $"127.0.0.1:{EndPoint.Port}";

    public int UdpQueries => Volatile.Read(ref _udpQueries);
    public int TcpQueries => Volatile.Read(ref _tcpQueries);
    public ConcurrentQueue<DnsQuestion> Questions { get; } = new();

    /// <summary>Overrides the table: given the query and whether it came over TCP, what to send.</summary>
    public Func<DnsMessage, bool, DnsReply>? Handler { get; set; }

    /// <summary>Answer over UDP with TC=1 and no records; the full answer comes over TCP only.</summary>
    public bool TruncateUdp { get; set; }

    /// <summary>Chase CNAMEs within the table into the answer (true), or return the CNAME alone, as some servers do.</summary>
    public bool ChaseCnames { get; set; } = true;

    public static LoopbackDnsServer Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var tcp = new TcpListener(IPAddress.Loopback, ((IPEndPoint)udp.LocalEndPoint!).Port);
            try
            {
                tcp.Start();
                return new LoopbackDnsServer(udp, tcp);
            }
            catch (SocketException) when (attempt < 20)
            {
                udp.Dispose();
            }
        }
    }

    public LoopbackDnsServer Add(params DnsResourceRecord[] records)
    {
        foreach (var record in records)
        {
            _table.GetOrAdd((record.Name.ToUpperInvariant(), record.Type), _ => []).Add(record);
        }
        return this;
    }

    /// <summary>The table's reply: records of the asked type (after CNAMEs), NOERROR with none if the name has other records, else NXDOMAIN.</summary>
    public DnsMessage Answer(DnsMessage query)
    {
        var question = query.Questions[0];
        var answers = new List<DnsResourceRecord>();
        var name = question.Name;
        for (var hops = 0; hops < 16; hops++)
        {
            if (_table.TryGetValue((name.ToUpperInvariant(), question.Type), out var records))
            {
                answers.AddRange(records);
                break;
            }
            if (question.Type == DnsRecordType.CNAME || !_table.TryGetValue((name.ToUpperInvariant(), DnsRecordType.CNAME), out var alias))
            {
                break;
            }
            answers.Add(alias[0]);
            name = ((NameData)alias[0].Data).Target;
            if (!ChaseCnames)
            {
                break;
            }
        }
        var exists = answers.Count > 0 || _table.Keys.Any(k => k.Name == name.ToUpperInvariant());
        return DnsMessage.ReplyTo(query, exists ? DnsResponseCode.NoError : DnsResponseCode.NameError, [.. answers]) with { Edns = query.Edns };
    }

    /// <summary>An exception thrown by a test's handler, kept so that the test can see it rather than a timeout.</summary>
    public Exception? HandlerFailure { get; private set; }

    private DnsReply Respond(DnsMessage query, bool overTcp)
    {
        if (Handler is { } handler)
        {
            try
            {
                return handler(query, overTcp);
            }
            catch (Exception e)
            {
                HandlerFailure = e;
                return DnsReply.Silent;
            }
        }
        var reply = Answer(query);
        if (TruncateUdp && !overTcp)
        {
            reply = reply with { Truncated = true, Answers = [] };
        }
        return DnsReply.Message(reply);
    }

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[DnsMessage.MaxSize];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
                continue;
            }
            if (!DnsMessageReader.TryRead(buffer.AsSpan(0, received.ReceivedBytes), out var query) || query is null || query.Questions.Count != 1)
            {
                continue;
            }
            Interlocked.Increment(ref _udpQueries);
            Questions.Enqueue(query.Questions[0]);
            if (Respond(query, overTcp: false) is DnsReply.Sequence sequence)
            {
                foreach (var datagram in sequence.Datagrams)
                {
                    try
                    {
                        await _udp.SendToAsync(datagram, SocketFlags.None, received.RemoteEndPoint, _stop.Token);
                    }
                    catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                    {
                        break;
                    }
                }
            }
        }
    }

    private async Task TcpLoopAsync()
    {
        var connections = new List<Task>();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var client = await _tcp.AcceptTcpClientAsync(_stop.Token);
                connections.Add(Task.Run(() => ServeTcpAsync(client)));
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }
        }
        await Task.WhenAll(connections);
    }

    private async Task ServeTcpAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var prefix = new byte[2];
        try
        {
            while (true)
            {
                await stream.ReadExactlyAsync(prefix, _stop.Token);
                var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                await stream.ReadExactlyAsync(message, _stop.Token);
                if (!DnsMessageReader.TryRead(message, out var query) || query is null || query.Questions.Count != 1)
                {
                    return;
                }
                Interlocked.Increment(ref _tcpQueries);
                Questions.Enqueue(query.Questions[0]);
                if (Respond(query, overTcp: true) is not DnsReply.Sequence { Datagrams.Count: > 0 } sequence)
                {
                    // Silent over TCP: hold the connection open until the client gives up.
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }
                foreach (var reply in sequence.Datagrams)
                {
                    var framed = new byte[2 + reply.Length];
                    BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)reply.Length);
                    reply.CopyTo(framed, 2);
                    await stream.WriteAsync(framed, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or EndOfStreamException)
        {
            // The client closed, or the server is stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        _tcp.Stop();
        await Task.WhenAll(_udpLoop, _tcpLoop);
        _stop.Dispose();
    }
}
