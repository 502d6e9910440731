using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Dns;

/// <summary>What one exchange with one server gave.</summary>
internal enum ExchangeOutcome
{
    Reply,
    /// <summary>Nothing usable in time, or the server could not be reached (ICMP port unreachable, connection refused).</summary>
    NoAnswer,
    /// <summary>The server answered with bytes that are not a valid reply to our query.</summary>
    Malformed,
}

internal readonly record struct Exchange(ExchangeOutcome Outcome, DnsMessage? Reply = null, string? Detail = null);

/// <summary>
/// One query to one server over UDP (RFC 1035 §4.2.1) or TCP (§4.2.2). A reply counts only if its id,
/// QR bit and question match the query, so a stray or spoofed datagram is ignored, not believed.
/// </summary>
internal sealed class DnsTransport(int maxRecords)
{
    public async Task<Exchange> UdpAsync(IPEndPoint server, ReadOnlyMemory<byte> query, DnsMessage sent, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var buffer = ArrayPool<byte>.Shared.Rent(DnsMessage.MaxSize);
        string? ignored = null;
        try
        {
            // A fresh socket per query, bound by the kernel to a random ephemeral port (Linux randomizes
            // UDP autobind), which with the random id makes a blind spoof a 1-in-2^32 guess (RFC 5452 §4).
            using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            // Connecting filters out datagrams from other addresses and surfaces ICMP unreachable as an error.
            await socket.ConnectAsync(server, deadline.Token);
            await socket.SendAsync(query, SocketFlags.None, deadline.Token);
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(0, DnsMessage.MaxSize), SocketFlags.None, deadline.Token);
                var datagram = buffer.AsSpan(0, received);
                if (!DnsMessageReader.TryReadHeader(datagram, out var id, out var isResponse) || id != sent.Id || !isResponse)
                {
                    ignored = "a reply with another id";
                    continue;
                }
                var exchange = Check(datagram, sent, udp: true);
                if (exchange.Outcome == ExchangeOutcome.Malformed && exchange.Detail == QuestionMismatch)
                {
                    ignored = QuestionMismatch;
                    continue;
                }
                return exchange;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Only stray datagrams arrived: the server is talking, but not sense.
            return ignored is null ? new(ExchangeOutcome.NoAnswer, Detail: "timed out") : new(ExchangeOutcome.Malformed, Detail: "only " + ignored);
        }
        catch (SocketException e)
        {
            return new(ExchangeOutcome.NoAnswer, Detail: e.SocketErrorCode.ToString());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task<Exchange> TcpAsync(IPEndPoint server, ReadOnlyMemory<byte> query, DnsMessage sent, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        byte[]? buffer = null;
        try
        {
            using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(server, deadline.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var framed = new byte[2 + query.Length];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
            query.CopyTo(framed.AsMemory(2));
            await stream.WriteAsync(framed, deadline.Token);
            var prefix = new byte[2];
            await stream.ReadExactlyAsync(prefix, deadline.Token);
            var length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
            if (length < DnsMessage.HeaderSize)
            {
                return new(ExchangeOutcome.Malformed, Detail: "a TCP reply shorter than a header");
            }
            buffer = ArrayPool<byte>.Shared.Rent(length);
            await stream.ReadExactlyAsync(buffer.AsMemory(0, length), deadline.Token);
            // One query per connection: a reply that does not match is the server's fault, not a spoof to wait out.
            return Check(buffer.AsSpan(0, length), sent, udp: false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(ExchangeOutcome.NoAnswer, Detail: "timed out over TCP");
        }
        catch (EndOfStreamException)
        {
            return new(ExchangeOutcome.Malformed, Detail: "the TCP connection closed mid-reply");
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return new(ExchangeOutcome.NoAnswer, Detail: e.Message);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private const string QuestionMismatch = "a reply to another question";

    private Exchange Check(ReadOnlySpan<byte> bytes, DnsMessage sent, bool udp)
    {
        if (!DnsMessageReader.TryRead(bytes, out var reply, maxRecords) || reply is null)
        {
            // A truncated datagram may be cut mid-record (RFC 2181 §9); TC=1 is all it needs to say.
            return udp && bytes.Length >= DnsMessage.HeaderSize && (bytes[2] & 0x82) == 0x82
                ? new(ExchangeOutcome.Reply, new DnsMessage { Id = sent.Id, IsResponse = true, Truncated = true, Questions = sent.Questions })
                : new(ExchangeOutcome.Malformed, Detail: "a malformed reply");
        }
        if (reply.Id != sent.Id || !reply.IsResponse || reply.Opcode != 0)
        {
            return new(ExchangeOutcome.Malformed, Detail: "a reply with another id");
        }
        var asked = sent.Questions[0];
        // An error reply may omit the question (FORMERR from an EDNS-intolerant server does); any other must echo it.
        var matches = reply.Questions.Count == 1
            ? DnsName.Equal(reply.Questions[0].Name, asked.Name) && reply.Questions[0].Type == asked.Type && reply.Questions[0].Class == asked.Class
            : reply.Questions.Count == 0 && reply.ResponseCode is not (DnsResponseCode.NoError or DnsResponseCode.NameError);
        return matches ? new(ExchangeOutcome.Reply, reply) : new(ExchangeOutcome.Malformed, Detail: QuestionMismatch);
    }
}
