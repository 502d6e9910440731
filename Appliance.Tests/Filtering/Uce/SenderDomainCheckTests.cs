using Appliance.Filtering.Uce;
using Appliance.Tests.Infrastructure;
using static Appliance.Tests.Filtering.Uce.UceDns;

namespace Appliance.Tests.Filtering.Uce;

public sealed class SenderDomainCheckTests : IAsyncLifetime
{
    private LoopbackDnsServer _dns = null!;

    public Task InitializeAsync()
    {
        _dns = LoopbackDnsServer.Start();
        _dns.Add(Mx("mx.example", 10, "mail.mx.example"), A("mail.mx.example", "192.0.2.1"));
        _dns.Add(Mx("null.example", 0, ""));
        _dns.Add(A("a-only.example", "192.0.2.2"));
        // The name exists (it has a TXT record) but has neither MX nor address.
        _dns.Add(Appliance.Dns.DnsResourceRecord.Create("txt-only.example", Appliance.Dns.TxtData.FromText("v=spf1 -all")));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _dns.DisposeAsync();

    [Theory]
    [InlineData("mx.example", SenderDomainStatus.CanReceive)]
    [InlineData("a-only.example", SenderDomainStatus.CanReceive)]
    [InlineData("null.example", SenderDomainStatus.NullMx)]
    [InlineData("txt-only.example", SenderDomainStatus.NoMail)]
    [InlineData("nowhere.example", SenderDomainStatus.NoMail)]
    public async Task A_sender_domain_must_be_able_to_receive_a_bounce(string domain, SenderDomainStatus expected) =>
        Assert.Equal(expected, await new SenderDomainCheck(Resolver(_dns)).CheckAsync(domain, default));

    [Fact]
    public async Task A_silent_DNS_is_a_temporary_failure_never_a_pass()
    {
        _dns.Handler = (_, _) => DnsReply.Silent;
        Assert.Equal(SenderDomainStatus.TemporaryFailure, await new SenderDomainCheck(Resolver(_dns, 200)).CheckAsync("mx.example", default));
    }

    [Fact]
    public async Task A_failing_address_lookup_after_no_MX_is_temporary_too()
    {
        _dns.Handler = (query, _) => query.Questions[0].Type == Appliance.Dns.DnsRecordType.MX
            ? DnsReply.Message(_dns.Answer(query))
            : DnsReply.Message(Appliance.Dns.DnsMessage.ReplyTo(query, Appliance.Dns.DnsResponseCode.ServerFailure));
        Assert.Equal(SenderDomainStatus.TemporaryFailure, await new SenderDomainCheck(Resolver(_dns, 200)).CheckAsync("txt-only.example", default));
    }
}
