using System.Net;
using Appliance.Dns;
using Appliance.Filtering.Dkim;
using Appliance.Filtering.Dmarc;
using Appliance.Filtering.Spf;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Filtering.Dmarc;

/// <summary>
/// The DMARC policies of the tests on one loopback DNS responder, with an A record for every domain (Mail::DMARC
/// checks that the author domain exists before it looks for a policy). Names under <c>timeout.</c> get no answer,
/// names under <c>servfail.</c> a SERVFAIL. The resolver waits 1 s twice: short for the timeout cases, long enough for
/// a loaded two-core machine to answer the others (400 ms once made a genuine answer a temperror).
/// </summary>
public sealed class DmarcZones : IAsyncLifetime
{
    public LoopbackDnsServer Server { get; private set; } = null!;

    public DnsResolver Resolver { get; private set; } = null!;

    public static PublicSuffixList Suffixes { get; } = PublicSuffixList.Load(PublicSuffixList.DefaultPath);

    public static readonly (string Domain, string[] Records)[] Policies =
    [
        ("nonepolicy.com", ["v=DMARC1; p=none; rua=mailto:dmarc@nonepolicy.com"]),
        ("quarantinepolicy.com", ["v=DMARC1; p=quarantine"]),
        ("rejectpolicy.com", ["v=DMARC1; p=reject"]),
        ("strict.com", ["v=DMARC1; p=reject; adkim=s; aspf=s"]),
        ("parent.com", ["v=DMARC1; p=reject; sp=quarantine"]),
        ("own.parent.com", ["v=DMARC1; p=none"]),
        ("nosp.com", ["v=DMARC1; p=reject"]),
        ("example.co.uk", ["v=DMARC1; p=reject; sp=none"]),
        ("pct0.com", ["v=DMARC1; p=reject; pct=0"]),
        ("pct0q.com", ["v=DMARC1; p=quarantine; pct=0"]),
        ("pct100.com", ["v=DMARC1; p=quarantine; pct=100"]),
        ("half.com", ["v=DMARC1; p=reject; pct=50"]),
        ("multiple.com", ["v=DMARC1; p=reject", "v=DMARC1; p=none"]),
        ("multipleplusother.com", ["v=DMARC1; p=reject", "some verification token"]),
        ("malformed.com", ["v=DMARC1; p=bogus"]),
        ("malformedrua.com", ["v=DMARC1; p=bogus; rua=mailto:dmarc@malformedrua.com"]),
        ("notdmarc.com", ["v=spf1 -all"]),
        ("split.com", ["v=DMARC1; ", "p=reject"]),
    ];

    /// <summary>Domains that exist but publish no DMARC record (at the name and its organisational domain).</summary>
    public static readonly string[] WithoutPolicy = ["nopolicy.com", "sub.nopolicy.com", "sub.parent.com", "deep.sub.parent.com", "sub.nosp.com", "shop.example.co.uk", "mail.rejectpolicy.com"];

    public async Task InitializeAsync()
    {
        await Task.CompletedTask;
        Server = LoopbackDnsServer.Start();
        foreach (var (domain, records) in Policies)
        {
            if (domain == "split.com")
            {
                // One TXT record of two character-strings: joined, it is one policy (RFC 7489 §6.6.3 via RFC 7208 §3.3).
                Server.Add(DnsResourceRecord.Create("_dmarc." + domain, TxtData.FromText(records)));
            }
            else
            {
                Server.Add([.. records.Select(r => DnsResourceRecord.Create("_dmarc." + domain, TxtData.FromText(r)))]);
            }
            Server.Add(DnsResourceRecord.Create(domain, new AddressData(IPAddress.Parse("192.0.2.10"))));
        }
        foreach (var domain in WithoutPolicy.Append("timeout.com").Append("servfail.com"))
        {
            Server.Add(DnsResourceRecord.Create(domain, new AddressData(IPAddress.Parse("192.0.2.20"))));
        }
        Server.Handler = (query, _) =>
        {
            var name = query.Questions[0].Name;
            if (name.EndsWith("_dmarc.servfail.com", StringComparison.OrdinalIgnoreCase))
            {
                return DnsReply.Message(DnsMessage.ReplyTo(query, DnsResponseCode.ServerFailure));
            }
            return name.EndsWith("_dmarc.timeout.com", StringComparison.OrdinalIgnoreCase) ? DnsReply.Silent : DnsReply.Message(Server.Answer(query));
        };
        Resolver = new DnsResolver(Options.Create(new DnsOptions { Servers = [Server.Address], TimeoutMilliseconds = 1000, Attempts = 2 }), NullLogger<DnsResolver>.Instance);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Assert.Null(Server.HandlerFailure);
    }

    public DmarcEvaluator Evaluator(int roll = 0, DmarcOptions? options = null) =>
        new(Resolver, Suffixes, Options.Create(options ?? new DmarcOptions())) { PercentRoll = () => roll };

    /// <summary>An SPF result as SpfEvaluator gives it for MAIL FROM bounce@<paramref name="domain"/>.</summary>
    public static SpfResult SpfOf(string domain, SpfVerdict verdict) =>
        new(verdict, domain, null, "test") { Identity = SpfIdentity.MailFrom, IdentityValue = "bounce@" + domain };

    public static DkimVerificationResult DkimOf(params (string Domain, DkimResult Result)[] signatures) =>
        new([.. signatures.Select(s => new DkimSignatureResult(s.Result, s.Domain, "sel", "rsa-sha256", "AbCdEfGhIjKl", null))], 0);
}
