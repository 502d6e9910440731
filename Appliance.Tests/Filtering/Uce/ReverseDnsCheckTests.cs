using System.Net;
using Appliance.Filtering.Uce;
using Appliance.Tests.Infrastructure;
using static Appliance.Tests.Filtering.Uce.UceDns;

namespace Appliance.Tests.Filtering.Uce;

public sealed class ReverseDnsCheckTests : IAsyncLifetime
{
    private LoopbackDnsServer _dns = null!;

    public Task InitializeAsync()
    {
        _dns = LoopbackDnsServer.Start();
        _dns.Add(Ptr("10.2.0.192.in-addr.arpa", "mail.good.example"), A("mail.good.example", "192.0.2.10"));
        _dns.Add(Ptr("11.2.0.192.in-addr.arpa", "mail.liar.example"), A("mail.liar.example", "198.51.100.1"));
        _dns.Add(Ptr("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "v6.good.example"),
            DnsRecord("v6.good.example", "2001:db8::1"));
        return Task.CompletedTask;
    }

    private static Appliance.Dns.DnsResourceRecord DnsRecord(string name, string address) => A(name, address);

    public async Task DisposeAsync() => await _dns.DisposeAsync();

    [Theory]
    [InlineData("192.0.2.10", ReverseDnsStatus.Confirmed, "mail.good.example")]
    [InlineData("192.0.2.11", ReverseDnsStatus.NotConfirmed, "mail.liar.example")]
    [InlineData("192.0.2.12", ReverseDnsStatus.None, null)]
    [InlineData("2001:db8::1", ReverseDnsStatus.Confirmed, "v6.good.example")]
    public async Task Reverse_names_must_resolve_back_to_the_client(string client, ReverseDnsStatus status, string? name)
    {
        var result = await new ReverseDnsCheck(Resolver(_dns)).CheckAsync(IPAddress.Parse(client), default);
        Assert.Equal(new ReverseDnsResult(status, name), result);
    }

    [Fact]
    public async Task A_silent_reverse_zone_is_a_temporary_failure_not_a_missing_name()
    {
        _dns.Handler = (_, _) => DnsReply.Silent;
        var result = await new ReverseDnsCheck(Resolver(_dns, 200)).CheckAsync(IPAddress.Parse("192.0.2.10"), default);
        Assert.Equal(ReverseDnsStatus.TemporaryFailure, result.Status);
    }
}
