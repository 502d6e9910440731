using System.Diagnostics;
using System.Net;
using Appliance.Dns;
using Appliance.Filtering.Uce;
using Appliance.Tests.Infrastructure;
using static Appliance.Tests.Filtering.Uce.UceDns;

namespace Appliance.Tests.Filtering.Uce;

public sealed class DnsListTests : IAsyncLifetime
{
    private LoopbackDnsServer _dns = null!;

    public Task InitializeAsync()
    {
        _dns = LoopbackDnsServer.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _dns.DisposeAsync();

    private static DnsListZone Zone(string zone, params string[] codes) => new() { Zone = zone, Codes = [.. codes] };

    [Theory]
    [InlineData("192.0.2.99", "zen.spamhaus.org", "99.2.0.192.zen.spamhaus.org")]
    [InlineData("127.0.0.2", "bl.example.", "2.0.0.127.bl.example")]
    [InlineData("::ffff:192.0.2.1", "bl.example", "1.2.0.192.bl.example")]
    [InlineData("2001:db8:1:2::abcd", "bl.example", "d.c.b.a.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.example")]
    public void Query_names_are_reversed_octets_or_nibbles_under_the_zone(string client, string zone, string expected) =>
        Assert.Equal(expected, DnsListChecker.QueryName(IPAddress.Parse(client), zone));

    [Theory]
    [InlineData("127.0.0.2", true)]
    [InlineData("127.0.0.11", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.0.0.12", false)]
    [InlineData("127.255.255.254", false)]
    public void Only_the_configured_codes_count(string answer, bool counts) =>
        Assert.Equal(counts, DnsListCodes.Counts(IPAddress.Parse(answer), ["127.0.0.2-127.0.0.11"]));

    [Theory]
    [InlineData("127.0.0.2", true)]
    [InlineData("127.1.2.3", true)]
    [InlineData("127.255.255.254", false)]
    [InlineData("10.0.0.2", false)]
    public void Without_codes_any_loopback_answer_counts_but_the_query_refused_range(string answer, bool counts) =>
        Assert.Equal(counts, DnsListCodes.Counts(IPAddress.Parse(answer), []));

    [Fact]
    public async Task A_listed_client_is_listed_with_its_code_and_an_unlisted_one_is_not()
    {
        _dns.Add(A("2.0.0.127.zen.test", "127.0.0.4"), A("3.0.0.127.zen.test", "127.0.0.20"));
        var checker = new DnsListChecker(Resolver(_dns));
        var zone = Zone("zen.test", "127.0.0.2-127.0.0.11");

        var listed = Assert.Single(await checker.CheckAsync(IPAddress.Parse("127.0.0.2"), [zone], TimeSpan.FromSeconds(3), default));
        Assert.Equal(DnsListStatus.Listed, listed.Status);
        Assert.Equal("127.0.0.4", Assert.Single(listed.Answers).ToString());
        Assert.Equal("DNSBL_ZEN_TEST", listed.Symbol("DNSBL_"));

        var absent = Assert.Single(await checker.CheckAsync(IPAddress.Parse("192.0.2.7"), [zone], TimeSpan.FromSeconds(3), default));
        Assert.Equal(DnsListStatus.NotListed, absent.Status);

        // Listed, but with a code the zone was not configured to count.
        var otherCode = Assert.Single(await checker.CheckAsync(IPAddress.Parse("127.0.0.3"), [zone], TimeSpan.FromSeconds(3), default));
        Assert.Equal(DnsListStatus.NotListed, otherCode.Status);
    }

    [Fact]
    public async Task An_IPv6_client_is_asked_by_nibbles()
    {
        var client = IPAddress.Parse("2001:db8::1");
        _dns.Add(A(DnsListChecker.QueryName(client, "v6bl.test"), "127.0.0.2"));
        var result = Assert.Single(await new DnsListChecker(Resolver(_dns)).CheckAsync(client, [Zone("v6bl.test")], TimeSpan.FromSeconds(3), default));
        Assert.Equal(DnsListStatus.Listed, result.Status);
        Assert.Contains(_dns.Questions, q => q.Name.StartsWith("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.v6bl.test", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_silent_zone_fails_within_the_timeout_while_the_others_answer_in_parallel()
    {
        _dns.Handler = (query, _) => query.Questions[0].Name.EndsWith("slow.test", StringComparison.OrdinalIgnoreCase)
            ? DnsReply.Silent
            : DnsReply.Message(_dns.Answer(query));
        _dns.Add(A("5.2.0.192.fast.test", "127.0.0.2"));
        // The resolver alone would wait 5 s for the silent zone; the lists' timeout cuts it to 300 ms.
        var checker = new DnsListChecker(Resolver(_dns, timeoutMilliseconds: 5000));
        var clock = Stopwatch.StartNew();
        var results = await checker.CheckAsync(IPAddress.Parse("192.0.2.5"), [Zone("slow.test"), Zone("fast.test"), Zone("slow2.slow.test")], TimeSpan.FromMilliseconds(300), default);
        clock.Stop();

        Assert.Equal([DnsListStatus.Failed, DnsListStatus.Listed, DnsListStatus.Failed], results.Select(r => r.Status));
        Assert.InRange(clock.ElapsedMilliseconds, 250, 2500);
    }
}
