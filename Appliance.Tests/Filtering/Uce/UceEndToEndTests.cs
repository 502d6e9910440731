using Appliance.Accounts;
using Appliance.Filtering.Uce;
using Appliance.Mailstore;
using Appliance.Tests.Infrastructure;
using static Appliance.Tests.Filtering.Uce.UceDns;

namespace Appliance.Tests.Filtering.Uce;

/// <summary>
/// The UCE checks in the running host on loopback, spoken to by Python's smtplib. The client is 127.0.0.1, so the
/// loopback DNS lists <c>1.0.0.127.bl.e2e.test</c> (RFC 5782's test address convention is 127.0.0.2) and the host
/// is told not to trust loopback.
/// </summary>
public sealed class UceEndToEndTests : IAsyncLifetime
{
    private LoopbackDnsServer _dns = null!;
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _dns = LoopbackDnsServer.Start();
        _dns.Add(Mx("elsewhere.example", 10, "mx.elsewhere.example"), A("mx.elsewhere.example", "198.51.100.1"));
        _host = await RunningHost.StartWithSmtpAsync(
            $"--Appliance:Dns:Servers:0={_dns.Address}", "--Appliance:Dns:TimeoutMilliseconds=2000", "--Appliance:Dns:Attempts=1",
            "--Appliance:Uce:TrustLoopback=false",
            "--Appliance:Uce:DnsblZones:0:Zone=bl.e2e.test", "--Appliance:Uce:DnsblZones:0:Codes:0=127.0.0.2-127.0.0.11");
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd", "Bob"));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _dns.DisposeAsync();
    }

    [Fact]
    public async Task A_client_on_the_DNSBL_is_refused_with_the_zone_named_and_nothing_is_delivered()
    {
        var notListed = await DoorMail.SendHelloAsync(_host);
        Assert.Equal("sent", notListed);
        Assert.Single(await _host.Get<MailStore>().MessagesAsync("bob@example.com"));

        _dns.Add(A("1.0.0.127.bl.e2e.test", "127.0.0.2"));
        var listed = await DoorMail.SendHelloAsync(_host);
        Assert.Equal("554 5.7.1 Service unavailable; client [127.0.0.1] blocked using bl.e2e.test", listed);
        Assert.Single(await _host.Get<MailStore>().MessagesAsync("bob@example.com"));
    }

    [Fact]
    public async Task Greylisting_switched_on_for_the_domain_in_the_settings_defers_then_lets_the_retry_through()
    {
        var store = _host.Get<UceSettingsStore>();
        await store.SaveServerAsync(Actor.CommandLine, new UceSettings { Greylisting = new GreylistingSettings { DelaySeconds = 0 } });
        await store.SaveDomainAsync(Actor.CommandLine, "example.com", new UceDomainSettings { Greylisting = true });

        Assert.Equal("451 4.7.1 <bob@example.com>: Greylisted, try again in 1 seconds", await DoorMail.SendHelloAsync(_host));
        Assert.Empty(await _host.Get<MailStore>().MessagesAsync("bob@example.com"));
        Assert.Equal("sent", await DoorMail.SendHelloAsync(_host));
        Assert.Single(await _host.Get<MailStore>().MessagesAsync("bob@example.com"));
    }
}
