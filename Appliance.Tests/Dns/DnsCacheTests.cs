using System.Net;
using Appliance.Dns;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Tests.Dns;

/// <summary>The resolver's answer cache against a real server on loopback: what it saves asking, and what it must never keep.</summary>
public sealed class DnsCacheTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 3, 0, 0, TimeSpan.Zero));
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

    private DnsResolver Resolver(Action<DnsOptions>? configure = null)
    {
        var options = new DnsOptions { Servers = [_server.Address], TimeoutMilliseconds = 200, Attempts = 1 };
        configure?.Invoke(options);
        return new(Options.Create(options), NullLogger<DnsResolver>.Instance, _time);
    }

    private static DnsResourceRecord A(string name, string address, uint ttl) => DnsResourceRecord.Create(name, new AddressData(IPAddress.Parse(address)), ttl);

    private static DnsResourceRecord Soa(string zone, uint ttl, uint minimum) =>
        DnsResourceRecord.Create(zone, new SoaData("ns." + zone, "hostmaster." + zone, 1, 3600, 600, 86400, minimum), ttl);

    [Fact]
    public async Task A_second_lookup_within_the_ttl_is_not_sent_and_one_after_it_is()
    {
        _server.Add(A("host.example", "192.0.2.1", ttl: 60));
        var resolver = Resolver();
        const int queriesBefore = 0;

        var first = await resolver.ResolveAsync("host.example", DnsRecordType.A);
        var second = await resolver.ResolveAsync("HOST.example.", DnsRecordType.A);
        Assert.Equal(first.Records, second.Records);
        Assert.Equal(queriesBefore + 1, _server.UdpQueries);

        _time.Advance(TimeSpan.FromSeconds(59));
        await resolver.ResolveAsync("host.example", DnsRecordType.A);
        Assert.Equal(queriesBefore + 1, _server.UdpQueries);

        _time.Advance(TimeSpan.FromSeconds(2));
        var third = await resolver.ResolveAsync("host.example", DnsRecordType.A);
        Assert.Equal(DnsStatus.Ok, third.Status);
        Assert.Equal(queriesBefore + 2, _server.UdpQueries);
    }

    [Fact]
    public async Task A_cname_chain_expires_with_its_shortest_link()
    {
        _server.Add(DnsResourceRecord.Create("alias.example", new NameData(DnsRecordType.CNAME, "target.example"), 10), A("target.example", "192.0.2.2", ttl: 3600));
        var resolver = Resolver();
        await resolver.ResolveAsync("alias.example", DnsRecordType.A);
        _time.Advance(TimeSpan.FromSeconds(9));
        await resolver.ResolveAsync("alias.example", DnsRecordType.A);
        Assert.Equal(1, _server.UdpQueries);
        _time.Advance(TimeSpan.FromSeconds(2));
        var answer = await resolver.ResolveAsync("alias.example", DnsRecordType.A);
        Assert.Equal(DnsStatus.Ok, answer.Status);
        Assert.Equal(2, _server.UdpQueries);
    }

    [Fact]
    public async Task Nxdomain_is_kept_for_the_soa_minimum_and_not_at_all_without_an_soa()
    {
        _server.Handler = (query, _) => DnsReply.Message(query.Questions[0].Name.StartsWith("with-soa", StringComparison.Ordinal)
            ? DnsMessage.ReplyTo(query, DnsResponseCode.NameError) with { Authorities = [Soa("example", ttl: 3600, minimum: 30)], Edns = query.Edns }
            : DnsMessage.ReplyTo(query, DnsResponseCode.NameError) with { Edns = query.Edns });
        var resolver = Resolver();

        Assert.Equal(DnsStatus.NameError, (await resolver.ResolveTxtAsync("with-soa.example")).Status);
        Assert.Equal(DnsStatus.NameError, (await resolver.ResolveTxtAsync("with-soa.example")).Status);
        Assert.Equal(1, _server.UdpQueries);
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(DnsStatus.NameError, (await resolver.ResolveTxtAsync("with-soa.example")).Status);
        Assert.Equal(2, _server.UdpQueries);

        await resolver.ResolveTxtAsync("no-soa.example");
        await resolver.ResolveTxtAsync("no-soa.example");
        Assert.Equal(4, _server.UdpQueries);
    }

    [Fact]
    public async Task Nodata_is_kept_for_the_soa_ttl_when_that_is_smaller_than_its_minimum()
    {
        _server.Handler = (query, _) => DnsReply.Message(DnsMessage.ReplyTo(query) with { Authorities = [Soa("example", ttl: 5, minimum: 900)], Edns = query.Edns });
        var resolver = Resolver();
        Assert.Equal(DnsStatus.NoData, (await resolver.ResolveMxAsync("example")).Status);
        Assert.Equal(DnsStatus.NoData, (await resolver.ResolveMxAsync("example")).Status);
        Assert.Equal(1, _server.UdpQueries);
        _time.Advance(TimeSpan.FromSeconds(6));
        await resolver.ResolveMxAsync("example");
        Assert.Equal(2, _server.UdpQueries);
    }

    [Fact]
    public async Task A_timeout_is_not_kept_and_the_next_lookup_asks_again()
    {
        var silent = true;
        _server.Handler = (query, _) => Volatile.Read(ref silent) ? DnsReply.Silent : DnsReply.Message(_server.Answer(query));
        _server.Add(A("late.example", "192.0.2.3", ttl: 300));
        var resolver = Resolver();

        var timedOut = await resolver.ResolveAsync("late.example", DnsRecordType.A);
        Assert.Equal(DnsStatus.Timeout, timedOut.Status);
        Assert.True(timedOut.IsTemporaryFailure);

        Volatile.Write(ref silent, false);
        var answered = await resolver.ResolveAsync("late.example", DnsRecordType.A);
        Assert.Equal(DnsStatus.Ok, answered.Status);
        Assert.Equal(2, _server.UdpQueries);
    }

    [Fact]
    public async Task Servfail_is_not_kept()
    {
        var failing = true;
        _server.Handler = (query, _) => Volatile.Read(ref failing)
            ? DnsReply.Message(DnsMessage.ReplyTo(query, DnsResponseCode.ServerFailure) with { Authorities = [Soa("example", 3600, 3600)], Edns = query.Edns })
            : DnsReply.Message(_server.Answer(query));
        _server.Add(A("flaky.example", "192.0.2.4", ttl: 300));
        var resolver = Resolver();
        Assert.Equal(DnsStatus.ServerFailure, (await resolver.ResolveAsync("flaky.example", DnsRecordType.A)).Status);
        Volatile.Write(ref failing, false);
        Assert.Equal(DnsStatus.Ok, (await resolver.ResolveAsync("flaky.example", DnsRecordType.A)).Status);
        Assert.Equal(2, _server.UdpQueries);
    }

    [Fact]
    public async Task Ttls_are_clamped_to_the_options_and_zero_entries_turn_the_cache_off()
    {
        _server.Add(A("zero.example", "192.0.2.5", ttl: 0), A("long.example", "192.0.2.6", ttl: 7 * 86400));
        var clamped = Resolver(o => { o.CacheMinTtlSeconds = 20; o.CacheMaxTtlSeconds = 100; });
        await clamped.ResolveAsync("zero.example", DnsRecordType.A);
        await clamped.ResolveAsync("long.example", DnsRecordType.A);
        _time.Advance(TimeSpan.FromSeconds(19));
        await clamped.ResolveAsync("zero.example", DnsRecordType.A);
        Assert.Equal(2, _server.UdpQueries);
        _time.Advance(TimeSpan.FromSeconds(82));
        await clamped.ResolveAsync("zero.example", DnsRecordType.A);
        await clamped.ResolveAsync("long.example", DnsRecordType.A);
        Assert.Equal(4, _server.UdpQueries);

        var off = Resolver(o => o.CacheMaxEntries = 0);
        await off.ResolveAsync("long.example", DnsRecordType.A);
        await off.ResolveAsync("long.example", DnsRecordType.A);
        Assert.Equal(6, _server.UdpQueries);
    }

    [Fact]
    public async Task The_cache_stays_within_its_bound()
    {
        for (var i = 0; i < 40; i++)
        {
            _server.Add(A($"h{i}.example", "192.0.2.7", ttl: 300));
        }
        var resolver = Resolver(o => o.CacheMaxEntries = 10);
        for (var i = 0; i < 40; i++)
        {
            await resolver.ResolveAsync($"h{i}.example", DnsRecordType.A);
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }
        Assert.Equal(40, _server.UdpQueries);
        // The newest names are still there, the oldest were let go.
        await resolver.ResolveAsync("h39.example", DnsRecordType.A);
        Assert.Equal(40, _server.UdpQueries);
        await resolver.ResolveAsync("h0.example", DnsRecordType.A);
        Assert.Equal(41, _server.UdpQueries);
        Assert.InRange(resolver.CachedAnswers, 1, 10);
    }
}
