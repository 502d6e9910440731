using System.Net;

namespace Appliance.Dns;

/// <summary>A question: QNAME, QTYPE, QCLASS (RFC 1035 §4.1.2). Names are in presentation form without the final dot.</summary>
public sealed record DnsQuestion(string Name, DnsRecordType Type, ushort Class = DnsMessage.ClassInternet);

/// <summary>A resource record (RFC 1035 §4.1.3) with its RDATA decoded for the types the appliance uses.</summary>
public sealed record DnsResourceRecord(string Name, DnsRecordType Type, ushort Class, uint TimeToLive, DnsRecordData Data)
{
    public static DnsResourceRecord Create(string name, DnsRecordData data, uint timeToLive = 300) =>
        new(name, data.Type, DnsMessage.ClassInternet, timeToLive, data);
}

/// <summary>Decoded RDATA.</summary>
public abstract record DnsRecordData
{
    public abstract DnsRecordType Type { get; }
}

/// <summary>A (4 bytes) or AAAA (16 bytes).</summary>
public sealed record AddressData(IPAddress Address) : DnsRecordData
{
    public override DnsRecordType Type =>
        Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? DnsRecordType.AAAA : DnsRecordType.A;
}

/// <summary>RDATA that is one domain name: CNAME, PTR, NS.</summary>
public sealed record NameData(DnsRecordType NameType, string Target) : DnsRecordData
{
    public override DnsRecordType Type => NameType;
}

/// <summary>MX: PREFERENCE and EXCHANGE (RFC 1035 §3.3.9).</summary>
public sealed record MxData(ushort Preference, string Exchange) : DnsRecordData
{
    public override DnsRecordType Type => DnsRecordType.MX;
}

/// <summary>TXT: one or more character-strings of at most 255 bytes each (RFC 1035 §3.3.14).</summary>
public sealed record TxtData(IReadOnlyList<byte[]> Strings) : DnsRecordData
{
    public override DnsRecordType Type => DnsRecordType.TXT;

    public static TxtData FromText(params string[] strings) =>
        new(strings.Select(s => System.Text.Encoding.UTF8.GetBytes(s)).ToArray());

    public string Joined => string.Concat(Strings.Select(s => System.Text.Encoding.UTF8.GetString(s)));
}

/// <summary>SOA (RFC 1035 §3.3.13); negative answers carry it in the authority section (RFC 2308).</summary>
public sealed record SoaData(string PrimaryServer, string Mailbox, uint Serial, uint Refresh, uint Retry, uint Expire, uint Minimum) : DnsRecordData
{
    public override DnsRecordType Type => DnsRecordType.SOA;
}

/// <summary>Any other type, kept as its raw RDATA (RFC 3597).</summary>
public sealed record UnknownData(DnsRecordType UnknownType, byte[] Bytes) : DnsRecordData
{
    public override DnsRecordType Type => UnknownType;
}

/// <summary>The EDNS(0) OPT pseudo-record (RFC 6891 §6.1.2), lifted out of the additional section.</summary>
public sealed record DnsEdns(ushort UdpPayloadSize, byte ExtendedResponseCode = 0, byte Version = 0, bool DnssecOk = false);

/// <summary>A DNS message (RFC 1035 §4.1). Encode with <see cref="DnsMessageWriter"/>, decode with <see cref="DnsMessageReader"/>.</summary>
public sealed record DnsMessage
{
    public const ushort ClassInternet = 1;

    /// <summary>The largest message: TCP's two-byte length prefix (RFC 1035 §4.2.2) and a UDP datagram both stop here.</summary>
    public const int MaxSize = 65535;

    public const int HeaderSize = 12;

    public ushort Id { get; init; }
    public bool IsResponse { get; init; }
    public byte Opcode { get; init; }
    public bool AuthoritativeAnswer { get; init; }
    public bool Truncated { get; init; }
    public bool RecursionDesired { get; init; }
    public bool RecursionAvailable { get; init; }
    public bool AuthenticData { get; init; }
    public bool CheckingDisabled { get; init; }

    /// <summary>The header's 4-bit RCODE; <see cref="ResponseCode"/> adds EDNS's upper bits.</summary>
    public byte HeaderResponseCode { get; init; }

    public IReadOnlyList<DnsQuestion> Questions { get; init; } = [];
    public IReadOnlyList<DnsResourceRecord> Answers { get; init; } = [];
    public IReadOnlyList<DnsResourceRecord> Authorities { get; init; } = [];

    /// <summary>The additional section without the OPT record, which is in <see cref="Edns"/>.</summary>
    public IReadOnlyList<DnsResourceRecord> Additionals { get; init; } = [];

    public DnsEdns? Edns { get; init; }

    /// <summary>The full 12-bit RCODE (RFC 6891 §6.1.3).</summary>
    public DnsResponseCode ResponseCode => (DnsResponseCode)(((Edns?.ExtendedResponseCode ?? 0) << 4) | HeaderResponseCode);

    public static DnsMessage Query(ushort id, string name, DnsRecordType type, ushort udpPayloadSize) => new()
    {
        Id = id,
        RecursionDesired = true,
        Questions = [new DnsQuestion(name, type)],
        Edns = udpPayloadSize > 0 ? new DnsEdns(udpPayloadSize) : null,
    };

    /// <summary>A reply to <paramref name="query"/>: same id and question, QR and RD/RA set.</summary>
    public static DnsMessage ReplyTo(DnsMessage query, DnsResponseCode code = DnsResponseCode.NoError, params DnsResourceRecord[] answers)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new()
        {
            Id = query.Id,
            IsResponse = true,
            Opcode = query.Opcode,
            RecursionDesired = query.RecursionDesired,
            RecursionAvailable = true,
            HeaderResponseCode = (byte)code,
            Questions = query.Questions,
            Answers = answers,
        };
    }
}
