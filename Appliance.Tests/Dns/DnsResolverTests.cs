using System.Diagnostics;
using System.Net;
using Appliance.Dns;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Dns;

public sealed class DnsResolverTests : IAsyncLifetime
{
    private LoopbackDnsServer _server = null!;

    public Task InitializeAsync()
    {
        _server = LoopbackDnsServer.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Assert.Null(_server.HandlerFailure);
    }

    private static DnsResolver Resolver(params string[] servers) => Resolver(servers, timeoutMilliseconds: 1000, attempts: 1);

    private static DnsResolver Resolver(string[] servers, int timeoutMilliseconds, int attempts) =>
        // No cache: these tests are about what goes on the wire for each lookup (DnsCacheTests are about the cache).
        new(Options.Create(new DnsOptions { Servers = [.. servers], TimeoutMilliseconds = timeoutMilliseconds, Attempts = attempts, CacheMaxEntries = 0 }),
            NullLogger<DnsResolver>.Instance);

    private static DnsResourceRecord Mx(string domain, ushort preference, string host) => DnsResourceRecord.Create(domain, new MxData(preference, host));

    private static DnsResourceRecord A(string name, string address) => DnsResourceRecord.Create(name, new AddressData(IPAddress.Parse(address)));

    [Fact]
    public async Task Mx_records_come_lowest_preference_first_and_ties_in_varying_order()
    {
        _server.Add(Mx("example.com", 20, "b1.example.com"), Mx("example.com", 5, "a.example.com"), Mx("example.com", 20, "b2.example.com"),
            Mx("example.com", 20, "b3.example.com"), Mx("example.com", 30, "c.example.com"));
        var resolver = Resolver(_server.Address);
        var orders = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            var answer = await resolver.ResolveMxAsync("example.com");
            Assert.Equal(DnsStatus.Ok, answer.Status);
            Assert.Equal([5, 20, 20, 20, 30], answer.Records.Select(r => r.Preference));
            Assert.Equal("a.example.com", answer.Records[0].Host);
            Assert.Equal("c.example.com", answer.Records[4].Host);
            orders.Add(string.Join(',', answer.Records.Skip(1).Take(3).Select(r => r.Host)));
        }
        // Three equal preferences have six orders; twenty lookups all alike would be a 1-in-6^19 fluke.
        Assert.True(orders.Count > 1);
    }

    [Fact]
    public async Task Queries_carry_a_random_id_and_edns()
    {
        var ids = new List<ushort>();
        _server.Handler = (query, _) =>
        {
            lock (ids)
            {
                ids.Add(query.Id);
            }
            Assert.Equal(new DnsEdns(1232), query.Edns);
            Assert.True(query.RecursionDesired);
            return DnsReply.Message(_server.Answer(query));
        };
        _server.Add(A("host.example", "192.0.2.7"));
        var resolver = Resolver(_server.Address);
        for (var i = 0; i < 8; i++)
        {
            await resolver.ResolveAddressesAsync("host.example");
        }
        Assert.True(ids.Distinct().Count() > 8);
    }

    [Fact]
    public async Task A_cname_chain_in_the_answer_is_followed()
    {
        _server.Add(DnsResourceRecord.Create("mail.example.com", new NameData(DnsRecordType.CNAME, "relay.example.net")),
            DnsResourceRecord.Create("relay.example.net", new NameData(DnsRecordType.CNAME, "relay1.example.net")),
            A("relay1.example.net", "192.0.2.25"));
        var answer = await Resolver(_server.Address).ResolveAddressesAsync("mail.example.com");
        Assert.Equal(DnsStatus.Ok, answer.Status);
        Assert.Equal([IPAddress.Parse("192.0.2.25")], answer.Records);
    }

    [Fact]
    public async Task A_chain_that_stops_short_is_finished_by_asking_for_its_target()
    {
        _server.ChaseCnames = false;
        _server.Add(DnsResourceRecord.Create("www.example.com", new NameData(DnsRecordType.CNAME, "cdn.example.net")),
            DnsResourceRecord.Create("cdn.example.net", TxtData.FromText("found")));
        var answer = await Resolver(_server.Address).ResolveTxtAsync("www.example.com");
        Assert.Equal(DnsStatus.Ok, answer.Status);
        Assert.Equal(["found"], answer.Records);
        Assert.Equal(["www.example.com", "cdn.example.net"], _server.Questions.Select(q => q.Name));
    }

    [Fact]
    public async Task A_cname_loop_ends_as_a_server_failure()
    {
        _server.ChaseCnames = false;
        _server.Add(DnsResourceRecord.Create("a.example", new NameData(DnsRecordType.CNAME, "b.example")),
            DnsResourceRecord.Create("b.example", new NameData(DnsRecordType.CNAME, "a.example")));
        var answer = await Resolver(_server.Address).ResolveMxAsync("a.example");
        Assert.Equal(DnsStatus.ServerFailure, answer.Status);
        Assert.InRange(_server.UdpQueries, 2, 9);
    }

    [Fact]
    public async Task A_truncated_udp_reply_is_asked_again_over_tcp()
    {
        _server.TruncateUdp = true;
        var records = Enumerable.Range(1, 60).Select(i => DnsResourceRecord.Create("big.example", TxtData.FromText($"record {i} " + new string('x', 40)))).ToArray();
        _server.Add(records);
        var answer = await Resolver(_server.Address).ResolveTxtAsync("big.example");
        Assert.Equal(DnsStatus.Ok, answer.Status);
        Assert.Equal(60, answer.Records.Count);
        Assert.Equal((1, 1), (_server.UdpQueries, _server.TcpQueries));
    }

    [Fact]
    public async Task A_truncated_reply_cut_mid_record_still_leads_to_tcp()
    {
        _server.Add(A("cut.example", "192.0.2.9"));
        _server.Handler = (query, tcp) =>
        {
            var full = DnsMessageWriter.Write(_server.Answer(query));
            if (tcp)
            {
                return DnsReply.Bytes(full);
            }
            full[2] |= 0x02; // TC
            return DnsReply.Bytes(full[..^3]);
        };
        var answer = await Resolver(_server.Address).ResolveAddressesAsync("cut.example");
        Assert.Equal([IPAddress.Parse("192.0.2.9")], answer.Records);
    }

    [Fact]
    public async Task Nxdomain_is_a_name_error()
    {
        _server.Add(A("exists.example", "192.0.2.1"));
        var answer = await Resolver(_server.Address).ResolveMxAsync("missing.example");
        Assert.Equal(DnsStatus.NameError, answer.Status);
        Assert.Empty(answer.Records);
        Assert.False(answer.IsTemporaryFailure);
    }

    [Fact]
    public async Task A_name_without_the_asked_type_is_no_data()
    {
        _server.Add(A("exists.example", "192.0.2.1"));
        var answer = await Resolver(_server.Address).ResolveMxAsync("exists.example");
        Assert.Equal(DnsStatus.NoData, answer.Status);
    }

    [Fact]
    public async Task Addresses_come_ipv4_first_then_ipv6()
    {
        _server.Add(A("dual.example", "2001:db8::25"), A("dual.example", "192.0.2.25"), A("v6.example", "2001:db8::26"));
        var resolver = Resolver(_server.Address);
        var dual = await resolver.ResolveAddressesAsync("dual.example");
        Assert.Equal([IPAddress.Parse("192.0.2.25"), IPAddress.Parse("2001:db8::25")], dual.Records);
        var v6 = await resolver.ResolveAddressesAsync("v6.example");
        Assert.Equal((DnsStatus.Ok, 1), (v6.Status, v6.Records.Count));
        var literal = await resolver.ResolveAddressesAsync("[2001:db8::1]");
        Assert.Equal([IPAddress.Parse("2001:db8::1")], literal.Records);
    }

    [Fact]
    public async Task Ptr_asks_the_reverse_name()
    {
        _server.Add(DnsResourceRecord.Create("1.2.0.192.in-addr.arpa", new NameData(DnsRecordType.PTR, "mail.example.com")));
        var answer = await Resolver(_server.Address).ResolvePtrAsync(IPAddress.Parse("192.0.2.1"));
        Assert.Equal(["mail.example.com"], answer.Records);
    }

    [Fact]
    public async Task A_null_mx_is_reported_as_such()
    {
        _server.Add(Mx("nomail.example", 0, ""));
        var answer = await Resolver(_server.Address).ResolveMxAsync("nomail.example");
        Assert.True(answer.Records.Single().IsNullMx);
    }

    [Fact]
    public async Task A_silent_server_times_out_and_the_next_server_answers()
    {
        await using var silent = LoopbackDnsServer.Start();
        silent.Handler = (_, _) => DnsReply.Silent;
        _server.Add(Mx("example.com", 10, "mx.example.com"));
        var watch = Stopwatch.StartNew();
        var answer = await Resolver(silent.Address, _server.Address).ResolveMxAsync("example.com");
        Assert.Equal(DnsStatus.Ok, answer.Status);
        Assert.Equal(1, silent.UdpQueries);
        Assert.InRange(watch.ElapsedMilliseconds, 900, 5000);
    }

    [Fact]
    public async Task No_answer_from_any_server_is_a_timeout_after_every_attempt()
    {
        _server.Handler = (_, _) => DnsReply.Silent;
        var answer = await Resolver([_server.Address], timeoutMilliseconds: 150, attempts: 2).ResolveMxAsync("example.com");
        Assert.Equal(DnsStatus.Timeout, answer.Status);
        Assert.True(answer.IsTemporaryFailure);
        Assert.Equal(2, _server.UdpQueries);
    }

    [Fact]
    public async Task Servfail_and_refused_move_on_and_end_as_server_failure()
    {
        await using var refusing = LoopbackDnsServer.Start();
        refusing.Handler = (query, _) => DnsReply.Message(DnsMessage.ReplyTo(query, DnsResponseCode.Refused));
        _server.Handler = (query, _) => DnsReply.Message(DnsMessage.ReplyTo(query, DnsResponseCode.ServerFailure));
        var answer = await Resolver(refusing.Address, _server.Address).ResolveMxAsync("example.com");
        Assert.Equal(DnsStatus.ServerFailure, answer.Status);
        Assert.Equal((1, 1), (refusing.UdpQueries, _server.UdpQueries));
    }

    [Fact]
    public async Task A_reply_with_the_wrong_id_is_ignored_and_the_right_one_taken()
    {
        _server.Add(A("host.example", "192.0.2.80"));
        _server.Handler = (query, _) =>
        {
            var spoof = DnsMessageWriter.Write(_server.Answer(query) with { Id = (ushort)(query.Id ^ 0x5555), Answers = [A("host.example", "203.0.113.66")] });
            var otherQuestion = DnsMessageWriter.Write(DnsMessage.ReplyTo(query with { Questions = [new DnsQuestion("evil.example", query.Questions[0].Type)] }));
            return DnsReply.Bytes(spoof, otherQuestion, DnsMessageWriter.Write(_server.Answer(query)));
        };
        var answer = await Resolver(_server.Address).ResolveAddressesAsync("host.example");
        Assert.Equal([IPAddress.Parse("192.0.2.80")], answer.Records);
    }

    [Fact]
    public async Task Only_wrong_id_replies_end_as_server_failure_not_belief()
    {
        _server.Handler = (query, _) => DnsReply.Bytes(DnsMessageWriter.Write(DnsMessage.ReplyTo(query) with { Id = (ushort)(query.Id + 1) }));
        var answer = await Resolver(_server.Address).ResolveMxAsync("example.com");
        Assert.Equal(DnsStatus.ServerFailure, answer.Status);
    }

    [Theory]
    [InlineData("garbage after the id")]
    [InlineData("header only, counts lie")]
    [InlineData("random bytes")]
    public async Task A_garbage_reply_is_a_server_failure(string kind)
    {
        _server.Handler = (query, _) =>
        {
            var id = new[] { (byte)(query.Id >> 8), (byte)query.Id };
            return DnsReply.Bytes(kind switch
            {
                "garbage after the id" => [.. id, 0x81, 0x80, 0x00, 0x01, 0xFF, 0xFF, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03],
                "header only, counts lie" => [.. id, 0x81, 0x80, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00],
                _ => [0x13, 0x37, 0x42],
            });
        };
        var answer = await Resolver(_server.Address).ResolveMxAsync("example.com");
        Assert.Equal(DnsStatus.ServerFailure, answer.Status);
    }

    [Fact]
    public async Task Formerr_to_edns_is_retried_without_it()
    {
        _server.Add(A("old.example", "192.0.2.4"));
        _server.Handler = (query, _) => query.Edns is null
            ? DnsReply.Message(_server.Answer(query))
            : DnsReply.Message(DnsMessage.ReplyTo(query, DnsResponseCode.FormatError) with { Questions = [] });
        var answer = await Resolver(_server.Address).ResolveAddressesAsync("old.example");
        Assert.Equal([IPAddress.Parse("192.0.2.4")], answer.Records);
    }

    [Fact]
    public async Task An_unreachable_server_is_skipped_quickly()
    {
        var closed = $"127.0.0.1:{FreePort.Get()}";
        _server.Add(Mx("example.com", 10, "mx.example.com"));
        var answer = await Resolver([closed, _server.Address], timeoutMilliseconds: 3000, attempts: 1).ResolveMxAsync("example.com");
        Assert.Equal(DnsStatus.Ok, answer.Status);
    }

    [Fact]
    public async Task Cancellation_stops_a_lookup()
    {
        _server.Handler = (_, _) => DnsReply.Silent;
        using var cancel = new CancellationTokenSource(200);
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Resolver([_server.Address], timeoutMilliseconds: 5000, attempts: 2).ResolveMxAsync("example.com", cancel.Token));
        Assert.True(watch.ElapsedMilliseconds < 4000);
    }

    [Fact]
    public async Task A_name_that_cannot_exist_is_a_name_error_without_a_query()
    {
        var answer = await Resolver(_server.Address).ResolveMxAsync("bad..name");
        Assert.Equal(DnsStatus.NameError, answer.Status);
        Assert.Equal(0, _server.UdpQueries);
    }
}
