using System.Buffers.Binary;
using System.Net.Sockets;

namespace Appliance.Dns;

/// <summary>Encodes a <see cref="DnsMessage"/> in wire form (RFC 1035 §4.1) with name compression (§4.1.4).</summary>
public static class DnsMessageWriter
{
    /// <summary>False when the message does not fit in <paramref name="destination"/> or holds a name or string that cannot be encoded.</summary>
    public static bool TryWrite(DnsMessage message, Span<byte> destination, out int written)
    {
        ArgumentNullException.ThrowIfNull(message);
        var writer = new Cursor(destination);
        var ok = writer.WriteMessage(message);
        written = ok ? writer.Position : 0;
        return ok;
    }

    /// <summary>The message's bytes; throws <see cref="ArgumentException"/> if it cannot be encoded in 65535 bytes.</summary>
    public static byte[] Write(DnsMessage message)
    {
        var buffer = new byte[DnsMessage.MaxSize];
        if (!TryWrite(message, buffer, out var written))
        {
            throw new ArgumentException("The DNS message cannot be encoded (a bad name, or larger than 65535 bytes).", nameof(message));
        }
        return buffer.AsSpan(0, written).ToArray();
    }

    private ref struct Cursor(Span<byte> buffer)
    {
        /// <summary>RFC 1035 §4.1.4: a pointer's offset has 14 bits.</summary>
        private const int MaxPointerOffset = 0x3FFF;

        private readonly Span<byte> _buffer = buffer;
        private Dictionary<string, int>? _names;

        public int Position { get; private set; }

        public bool WriteMessage(DnsMessage m)
        {
            var flags = (m.IsResponse ? 0x8000 : 0) | ((m.Opcode & 0xF) << 11) | (m.AuthoritativeAnswer ? 0x0400 : 0)
                | (m.Truncated ? 0x0200 : 0) | (m.RecursionDesired ? 0x0100 : 0) | (m.RecursionAvailable ? 0x0080 : 0)
                | (m.AuthenticData ? 0x0020 : 0) | (m.CheckingDisabled ? 0x0010 : 0) | (m.HeaderResponseCode & 0xF);
            var additionalCount = m.Additionals.Count + (m.Edns is null ? 0 : 1);
            if (m.Questions.Count > ushort.MaxValue || m.Answers.Count > ushort.MaxValue
                || m.Authorities.Count > ushort.MaxValue || additionalCount > ushort.MaxValue)
            {
                return false;
            }
            if (!UInt16(m.Id) || !UInt16((ushort)flags) || !UInt16((ushort)m.Questions.Count) || !UInt16((ushort)m.Answers.Count)
                || !UInt16((ushort)m.Authorities.Count) || !UInt16((ushort)additionalCount))
            {
                return false;
            }
            foreach (var q in m.Questions)
            {
                if (!Name(q.Name) || !UInt16((ushort)q.Type) || !UInt16(q.Class))
                {
                    return false;
                }
            }
            foreach (var section in (ReadOnlySpan<IReadOnlyList<DnsResourceRecord>>)[m.Answers, m.Authorities, m.Additionals])
            {
                foreach (var record in section)
                {
                    if (!Record(record))
                    {
                        return false;
                    }
                }
            }
            // RFC 6891 §6.1.2: owner is the root, CLASS is the payload size, TTL carries the extended RCODE, version and DO.
            return m.Edns is not { } edns
                || (Name("") && UInt16((ushort)DnsRecordType.OPT) && UInt16(edns.UdpPayloadSize)
                    && UInt32(((uint)edns.ExtendedResponseCode << 24) | ((uint)edns.Version << 16) | (edns.DnssecOk ? 0x8000u : 0))
                    && UInt16(0));
        }

        private bool Record(DnsResourceRecord r)
        {
            if (!Name(r.Name) || !UInt16((ushort)r.Type) || !UInt16(r.Class) || !UInt32(r.TimeToLive) || !UInt16(0))
            {
                return false;
            }
            var lengthAt = Position - 2;
            var dataStart = Position;
            var ok = r.Data switch
            {
                AddressData a => Address(a, r.Type),
                NameData n => Name(n.Target),
                MxData mx => UInt16(mx.Preference) && Name(mx.Exchange),
                TxtData txt => Txt(txt),
                SoaData soa => Name(soa.PrimaryServer) && Name(soa.Mailbox) && UInt32(soa.Serial) && UInt32(soa.Refresh)
                    && UInt32(soa.Retry) && UInt32(soa.Expire) && UInt32(soa.Minimum),
                UnknownData u => Bytes(u.Bytes),
                _ => false,
            };
            if (!ok || Position - dataStart > ushort.MaxValue)
            {
                return false;
            }
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[lengthAt..], (ushort)(Position - dataStart));
            return true;
        }

        private bool Address(AddressData a, DnsRecordType type)
        {
            var expected = type == DnsRecordType.AAAA ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
            return a.Address.AddressFamily == expected && Bytes(a.Address.GetAddressBytes());
        }

        private bool Txt(TxtData txt)
        {
            foreach (var s in txt.Strings)
            {
                if (s.Length > 255 || !Byte((byte)s.Length) || !Bytes(s))
                {
                    return false;
                }
            }
            return txt.Strings.Count > 0;
        }

        /// <summary>Writes a name, pointing at an earlier copy of its longest known suffix (RFC 1035 §4.1.4).</summary>
        private bool Name(string name)
        {
            Span<byte> wire = stackalloc byte[DnsName.MaxWireLength];
            if (!DnsName.TryEncode(name, wire, out var length, out _))
            {
                return false;
            }
            _names ??= new Dictionary<string, int>(StringComparer.Ordinal);
            var offset = 0;
            while (wire[offset] != 0)
            {
                var key = AsciiUpper(wire[offset..length]);
                if (_names.TryGetValue(key, out var earlier))
                {
                    return Bytes(wire[..offset]) && UInt16((ushort)(0xC000 | earlier));
                }
                if (Position + offset <= MaxPointerOffset)
                {
                    _names[key] = Position + offset;
                }
                offset += wire[offset] + 1;
            }
            return Bytes(wire[..length]);
        }

        /// <summary>A case-folded key: DNS folds ASCII letters only (RFC 4343 §3).</summary>
        private static string AsciiUpper(ReadOnlySpan<byte> wire)
        {
            Span<char> chars = stackalloc char[wire.Length];
            for (var i = 0; i < wire.Length; i++)
            {
                chars[i] = (char)(wire[i] is >= (byte)'a' and <= (byte)'z' ? wire[i] - 32 : wire[i]);
            }
            return new string(chars);
        }

        private bool Byte(byte value)
        {
            if (Position + 1 > _buffer.Length)
            {
                return false;
            }
            _buffer[Position++] = value;
            return true;
        }

        private bool UInt16(ushort value)
        {
            if (!BinaryPrimitives.TryWriteUInt16BigEndian(_buffer[Position..], value))
            {
                return false;
            }
            Position += 2;
            return true;
        }

        private bool UInt32(uint value)
        {
            if (!BinaryPrimitives.TryWriteUInt32BigEndian(_buffer[Position..], value))
            {
                return false;
            }
            Position += 4;
            return true;
        }

        private bool Bytes(scoped ReadOnlySpan<byte> bytes)
        {
            if (!bytes.TryCopyTo(_buffer[Position..]))
            {
                return false;
            }
            Position += bytes.Length;
            return true;
        }
    }
}
