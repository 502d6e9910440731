using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Appliance.Dns;

/// <summary>
/// Decodes a DNS message (RFC 1035 §4.1). Pure and total: any input, however short or hostile,
/// returns false rather than throwing, and every read is bounds-checked.
/// </summary>
public static class DnsMessageReader
{
    /// <summary>
    /// Default cap on questions plus records in one message: far above what a stub resolver meets
    /// (a large MX or A set is a few dozen) and low enough that a hostile reply cannot make us
    /// allocate thousands of records.
    /// </summary>
    public const int DefaultMaxRecords = 512;

    /// <summary>
    /// Compression pointers followed within one name. Each must point before the last one, so a
    /// loop is impossible anyway; this caps the work on a long chain of pointers to pointers.
    /// </summary>
    private const int MaxPointers = 64;

    /// <summary>The id and QR bit, enough to tell whether a datagram can be a reply to our query.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> message, out ushort id, out bool isResponse)
    {
        id = 0;
        isResponse = false;
        if (message.Length < DnsMessage.HeaderSize)
        {
            return false;
        }
        id = BinaryPrimitives.ReadUInt16BigEndian(message);
        isResponse = (message[2] & 0x80) != 0;
        return true;
    }

    public static bool TryRead(ReadOnlySpan<byte> message, out DnsMessage? result, int maxRecords = DefaultMaxRecords)
    {
        result = null;
        if (message.Length < DnsMessage.HeaderSize || message.Length > DnsMessage.MaxSize)
        {
            return false;
        }
        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        int questionCount = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        int answerCount = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        int authorityCount = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        int additionalCount = BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        if (questionCount + answerCount + authorityCount + additionalCount > maxRecords)
        {
            return false;
        }
        var position = DnsMessage.HeaderSize;
        var questions = new List<DnsQuestion>(questionCount);
        for (var i = 0; i < questionCount; i++)
        {
            if (!TryReadName(message, ref position, out var name) || position + 4 > message.Length)
            {
                return false;
            }
            questions.Add(new DnsQuestion(name, (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(message[position..]),
                BinaryPrimitives.ReadUInt16BigEndian(message[(position + 2)..])));
            position += 4;
        }
        DnsEdns? edns = null;
        if (!TryReadSection(message, ref position, answerCount, ref edns, allowOpt: false, out var answers)
            || !TryReadSection(message, ref position, authorityCount, ref edns, allowOpt: false, out var authorities)
            || !TryReadSection(message, ref position, additionalCount, ref edns, allowOpt: true, out var additionals))
        {
            return false;
        }
        result = new DnsMessage
        {
            Id = BinaryPrimitives.ReadUInt16BigEndian(message),
            IsResponse = (flags & 0x8000) != 0,
            Opcode = (byte)((flags >> 11) & 0xF),
            AuthoritativeAnswer = (flags & 0x0400) != 0,
            Truncated = (flags & 0x0200) != 0,
            RecursionDesired = (flags & 0x0100) != 0,
            RecursionAvailable = (flags & 0x0080) != 0,
            AuthenticData = (flags & 0x0020) != 0,
            CheckingDisabled = (flags & 0x0010) != 0,
            HeaderResponseCode = (byte)(flags & 0xF),
            Questions = questions,
            Answers = answers,
            Authorities = authorities,
            Additionals = additionals,
            Edns = edns,
        };
        return true;
    }

    private static bool TryReadSection(ReadOnlySpan<byte> message, ref int position, int count, ref DnsEdns? edns, bool allowOpt,
        out List<DnsResourceRecord> records)
    {
        records = new List<DnsResourceRecord>(count);
        for (var i = 0; i < count; i++)
        {
            if (!TryReadName(message, ref position, out var name) || position + 10 > message.Length)
            {
                return false;
            }
            var type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
            var @class = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 2)..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(position + 4)..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 8)..]);
            position += 10;
            var end = position + length;
            if (end > message.Length)
            {
                return false;
            }
            if (type == DnsRecordType.OPT)
            {
                // RFC 6891 §6.1.1: one OPT at most, in the additional section, owned by the root.
                if (!allowOpt || edns is not null || name.Length != 0)
                {
                    return false;
                }
                edns = new DnsEdns(@class, (byte)(ttl >> 24), (byte)(ttl >> 16), (ttl & 0x8000) != 0);
                position = end;
                continue;
            }
            if (!TryReadData(message, position, end, type, out var data))
            {
                return false;
            }
            records.Add(new DnsResourceRecord(name, type, @class, ttl, data));
            position = end;
        }
        return true;
    }

    /// <summary>RDATA of the known types must fill RDLENGTH exactly; names inside it may point earlier in the message.</summary>
    private static bool TryReadData(ReadOnlySpan<byte> message, int start, int end, DnsRecordType type, out DnsRecordData data)
    {
        data = null!;
        var rdata = message[start..end];
        var position = start;
        switch (type)
        {
            case DnsRecordType.A when rdata.Length == 4:
            case DnsRecordType.AAAA when rdata.Length == 16:
                data = new AddressData(new IPAddress(rdata));
                return true;
            case DnsRecordType.A or DnsRecordType.AAAA:
                return false;
            case DnsRecordType.CNAME or DnsRecordType.PTR or DnsRecordType.NS:
                if (!TryReadName(message[..end], ref position, out var target) || position != end)
                {
                    return false;
                }
                data = new NameData(type, target);
                return true;
            case DnsRecordType.MX:
                position += 2;
                if (rdata.Length < 3 || !TryReadName(message[..end], ref position, out var exchange) || position != end)
                {
                    return false;
                }
                data = new MxData(BinaryPrimitives.ReadUInt16BigEndian(rdata), exchange);
                return true;
            case DnsRecordType.TXT:
                var strings = new List<byte[]>();
                var offset = 0;
                while (offset < rdata.Length)
                {
                    var length = rdata[offset];
                    if (offset + 1 + length > rdata.Length)
                    {
                        return false;
                    }
                    strings.Add(rdata.Slice(offset + 1, length).ToArray());
                    offset += 1 + length;
                }
                if (strings.Count == 0)
                {
                    return false;
                }
                data = new TxtData(strings);
                return true;
            case DnsRecordType.SOA:
                if (!TryReadName(message[..end], ref position, out var primary) || !TryReadName(message[..end], ref position, out var mailbox)
                    || position + 20 != end)
                {
                    return false;
                }
                var numbers = message[position..end];
                data = new SoaData(primary, mailbox, BinaryPrimitives.ReadUInt32BigEndian(numbers), BinaryPrimitives.ReadUInt32BigEndian(numbers[4..]),
                    BinaryPrimitives.ReadUInt32BigEndian(numbers[8..]), BinaryPrimitives.ReadUInt32BigEndian(numbers[12..]),
                    BinaryPrimitives.ReadUInt32BigEndian(numbers[16..]));
                return true;
            default:
                data = new UnknownData(type, rdata.ToArray());
                return true;
        }
    }

    /// <summary>
    /// Reads a possibly compressed name (RFC 1035 §4.1.4) at <paramref name="position"/> and moves past it.
    /// A pointer must point before the start of the labels that led to it (§4.1.4's "prior occurrence"),
    /// so offsets strictly decrease and a loop cannot be built; the name is at most 255 bytes.
    /// </summary>
    internal static bool TryReadName(ReadOnlySpan<byte> message, ref int position, out string name)
    {
        name = "";
        var builder = new StringBuilder();
        var cursor = position;
        var floor = position;
        var after = -1;
        var wireLength = 1;
        var pointers = 0;
        while (true)
        {
            if (cursor >= message.Length)
            {
                return false;
            }
            var length = message[cursor];
            if (length == 0)
            {
                cursor++;
                break;
            }
            switch (length & 0xC0)
            {
                case 0xC0:
                    if (cursor + 1 >= message.Length || ++pointers > MaxPointers)
                    {
                        return false;
                    }
                    var target = ((length & 0x3F) << 8) | message[cursor + 1];
                    if (target >= floor)
                    {
                        return false;
                    }
                    if (after < 0)
                    {
                        after = cursor + 2;
                    }
                    cursor = floor = target;
                    continue;
                case 0x00:
                    wireLength += length + 1;
                    if (wireLength > DnsName.MaxWireLength || cursor + 1 + length > message.Length)
                    {
                        return false;
                    }
                    if (builder.Length > 0)
                    {
                        builder.Append('.');
                    }
                    DnsName.AppendLabel(builder, message.Slice(cursor + 1, length));
                    cursor += 1 + length;
                    continue;
                default:
                    // 0x40 and 0x80 are the retired extended label types (RFC 6891 §5): never valid here.
                    return false;
            }
        }
        position = after >= 0 ? after : cursor;
        name = builder.ToString();
        return true;
    }
}
