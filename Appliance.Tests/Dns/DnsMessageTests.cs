using System.Net;
using Appliance.Dns;

namespace Appliance.Tests.Dns;

public class DnsMessageTests
{
    /// <summary>
    /// A recursive server's reply to "gmail.com MX" as it appears on the wire: five MX records whose
    /// exchanges are compressed against the question and against each other, and an OPT record.
    /// </summary>
    private static readonly byte[] GmailMxReply = Convert.FromHexString(
        "12348180000100050000000105676d61696c03636f6d00000f0001c00c000f000100000e10001b00050d676d61696c2d736d74702d696e016c06676f6f676c65c012"
        + "c00c000f000100000e100009000a04616c7431c029c00c000f000100000e100009001404616c7432c029c00c000f000100000e100009001e04616c7433c029"
        + "c00c000f000100000e100009002804616c7434c02900002904d0000000000000");

    [Fact]
    public void A_real_mx_reply_is_read_with_its_compressed_names()
    {
        Assert.True(DnsMessageReader.TryRead(GmailMxReply, out var reply));
        Assert.NotNull(reply);
        Assert.Equal(0x1234, reply.Id);
        Assert.True(reply.IsResponse);
        Assert.True(reply.RecursionAvailable);
        Assert.Equal(DnsResponseCode.NoError, reply.ResponseCode);
        Assert.Equal(new DnsQuestion("gmail.com", DnsRecordType.MX), reply.Questions.Single());
        Assert.Equal(
            [new MxData(5, "gmail-smtp-in.l.google.com"), new MxData(10, "alt1.gmail-smtp-in.l.google.com"), new MxData(20, "alt2.gmail-smtp-in.l.google.com"),
             new MxData(30, "alt3.gmail-smtp-in.l.google.com"), new MxData(40, "alt4.gmail-smtp-in.l.google.com")],
            reply.Answers.Select(a => a.Data));
        Assert.All(reply.Answers, a => Assert.Equal(("gmail.com", 3600u), (a.Name, a.TimeToLive)));
        Assert.Equal(new DnsEdns(1232), reply.Edns);
    }

    [Fact]
    public void Writing_a_read_reply_gives_the_same_bytes_with_the_same_compression()
    {
        Assert.True(DnsMessageReader.TryRead(GmailMxReply, out var reply));
        Assert.Equal(GmailMxReply, DnsMessageWriter.Write(reply!));
    }

    [Fact]
    public void Every_record_type_round_trips()
    {
        var message = new DnsMessage
        {
            Id = 7,
            IsResponse = true,
            AuthoritativeAnswer = true,
            HeaderResponseCode = (byte)DnsResponseCode.NameError,
            Questions = [new DnsQuestion("example.org", DnsRecordType.TXT)],
            Answers =
            [
                DnsResourceRecord.Create("example.org", new AddressData(IPAddress.Parse("192.0.2.1"))),
                DnsResourceRecord.Create("example.org", new AddressData(IPAddress.Parse("2001:db8::1"))),
                DnsResourceRecord.Create("www.example.org", new NameData(DnsRecordType.CNAME, "example.org")),
                DnsResourceRecord.Create("1.2.0.192.in-addr.arpa", new NameData(DnsRecordType.PTR, "mail.example.org")),
                DnsResourceRecord.Create("example.org", TxtData.FromText("v=spf1 ", "-all")),
                DnsResourceRecord.Create("example.org", new MxData(0, "")),
                DnsResourceRecord.Create("odd\\.label\\000.example.org", new UnknownData((DnsRecordType)99, [1, 2, 3])),
            ],
            Authorities = [DnsResourceRecord.Create("example.org", new SoaData("ns1.example.org", "hostmaster.example.org", 2024010101, 7200, 3600, 1209600, 300))],
            Additionals = [DnsResourceRecord.Create("ns1.example.org", new AddressData(IPAddress.Parse("192.0.2.53")))],
            Edns = new DnsEdns(1232, 0, 0, DnssecOk: true),
        };
        var bytes = DnsMessageWriter.Write(message);
        Assert.True(DnsMessageReader.TryRead(bytes, out var read));
        Assert.Equal(message.Questions, read!.Questions);
        Assert.Equal(message.Answers.Select(a => (a.Name, a.Type)), read.Answers.Select(a => (a.Name, a.Type)));
        Assert.Equal("v=spf1 -all", ((TxtData)read.Answers[4].Data).Joined);
        Assert.Equal([1, 2, 3], ((UnknownData)read.Answers[6].Data).Bytes);
        Assert.Equal(message.Answers.Where(a => a.Data is not (TxtData or UnknownData)).Select(a => a.Data),
            read.Answers.Where(a => a.Data is not (TxtData or UnknownData)).Select(a => a.Data));
        Assert.Equal(message.Authorities, read.Authorities);
        Assert.Equal(message.Additionals, read.Additionals);
        Assert.Equal(message.Edns, read.Edns);
        Assert.Equal(DnsResponseCode.NameError, read.ResponseCode);
        Assert.Equal(bytes, DnsMessageWriter.Write(read));
    }

    [Fact]
    public void Compression_points_repeated_suffixes_at_their_first_copy_regardless_of_case()
    {
        var message = new DnsMessage
        {
            Questions = [new DnsQuestion("mail.example.com", DnsRecordType.A)],
            Answers = [DnsResourceRecord.Create("MAIL.EXAMPLE.COM", new NameData(DnsRecordType.CNAME, "relay.example.com"))],
        };
        var bytes = DnsMessageWriter.Write(message);
        // Question name at offset 12; answer owner is a bare pointer to it; "relay" + pointer to "example.com" (offset 17).
        Assert.Equal(new byte[] { 0xC0, 12 }, bytes[34..36]);
        Assert.Equal(new byte[] { 5, (byte)'r', (byte)'e', (byte)'l', (byte)'a', (byte)'y', 0xC0, 17 }, bytes[46..]);
        Assert.True(DnsMessageReader.TryRead(bytes, out var read));
        Assert.Equal("relay.example.com", ((NameData)read!.Answers[0].Data).Target);
    }

    [Theory]
    [InlineData("c00c")] // points at itself
    [InlineData("c00e0000")] // points forward
    [InlineData("0161c00c")] // a label, then back to its own start: a loop
    public void Pointer_loops_and_forward_pointers_are_rejected(string questionName)
    {
        var bytes = Convert.FromHexString("000081800001000000000000" + questionName + "00010001");
        Assert.False(DnsMessageReader.TryRead(bytes, out _));
    }

    [Theory]
    [InlineData(60, true)]
    [InlineData(70, false)]
    public void A_chain_of_pointers_to_pointers_is_bounded(int records, bool accepted)
    {
        // Question "a" at offset 12; each answer's owner is a pointer to the previous owner, itself a pointer.
        var bytes = new List<byte>(Convert.FromHexString("000081800001" + records.ToString("x4", System.Globalization.CultureInfo.InvariantCulture) + "00000000" + "016100" + "00010001"));
        var previous = 12;
        for (var i = 0; i < records; i++)
        {
            var owner = bytes.Count;
            bytes.AddRange([(byte)(0xC0 | (previous >> 8)), (byte)previous, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
            previous = owner;
        }
        Assert.Equal(accepted, DnsMessageReader.TryRead(bytes.ToArray(), out var message));
        Assert.True(!accepted || message!.Answers.All(a => a.Name == "a"));
    }

    [Fact]
    public void Names_longer_than_255_bytes_are_rejected_both_ways()
    {
        var label = new string('a', 63);
        var tooLong = string.Join('.', label, label, label, label);
        Assert.False(DnsName.TryNormalize(tooLong, out _));
        Assert.False(DnsMessageWriter.TryWrite(DnsMessage.Query(1, tooLong, DnsRecordType.A, 0), new byte[512], out _));
        Assert.False(DnsName.TryNormalize(new string('a', 64) + ".example", out _));
        Assert.False(DnsName.TryNormalize("a..example", out _));

        // The same on the wire: four 63-byte labels (256 bytes with the root).
        var wire = new List<byte>(Convert.FromHexString("000081800001000000000000"));
        for (var i = 0; i < 4; i++)
        {
            wire.Add(63);
            wire.AddRange(Enumerable.Repeat((byte)'a', 63));
        }
        wire.AddRange([0, 0, 1, 0, 1]);
        Assert.False(DnsMessageReader.TryRead(wire.ToArray(), out _));
    }

    [Fact]
    public void International_names_become_a_labels()
    {
        Assert.True(DnsName.TryNormalize("bücher.example.", out var name));
        Assert.Equal("xn--bcher-kva.example", name);
    }

    [Fact]
    public void Every_prefix_of_a_real_reply_is_rejected_without_throwing()
    {
        for (var length = 0; length < GmailMxReply.Length; length++)
        {
            Assert.False(DnsMessageReader.TryRead(GmailMxReply.AsSpan(0, length), out _), $"prefix of {length} bytes");
        }
        Assert.True(DnsMessageReader.TryRead(GmailMxReply, out _));
    }

    [Fact]
    public void Random_corruption_of_a_real_reply_never_throws()
    {
        var random = new Random(20240601);
        var bytes = new byte[GmailMxReply.Length];
        for (var round = 0; round < 20_000; round++)
        {
            GmailMxReply.CopyTo(bytes, 0);
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }
            _ = DnsMessageReader.TryRead(bytes, out _);
        }
    }

    [Fact]
    public void Record_counts_above_the_limit_are_rejected()
    {
        var header = Convert.FromHexString("00008180000100ff0000000005676d61696c03636f6d00000f0001");
        Assert.False(DnsMessageReader.TryRead(header, out _, maxRecords: 100));
    }

    [Fact]
    public void Rdata_that_does_not_fill_its_length_exactly_is_malformed()
    {
        Assert.True(DnsMessageReader.TryRead(GmailMxReply, out var reply));
        var a = DnsMessageWriter.Write(reply! with { Answers = [DnsResourceRecord.Create("gmail.com", new AddressData(IPAddress.Parse("192.0.2.1")))], Edns = null });
        a[^5] = 5; // RDLENGTH 4 -> 5, running past the end
        Assert.False(DnsMessageReader.TryRead(a, out _));
    }

    [Fact]
    public void Reverse_names_follow_in_addr_and_ip6_arpa()
    {
        Assert.Equal("1.2.0.192.in-addr.arpa", DnsName.ReverseLookupName(IPAddress.Parse("192.0.2.1")));
        Assert.Equal("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", DnsName.ReverseLookupName(IPAddress.Parse("2001:db8::1")));
        Assert.Equal("1.2.0.192.in-addr.arpa", DnsName.ReverseLookupName(IPAddress.Parse("::ffff:192.0.2.1")));
    }
}
