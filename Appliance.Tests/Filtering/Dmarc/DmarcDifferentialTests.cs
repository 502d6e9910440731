using System.Text.Json;
using Appliance.Filtering.Dkim;
using Appliance.Filtering.Dmarc;
using Appliance.Filtering.Spf;
using Appliance.Tests.Infrastructure;
using static Appliance.Tests.Filtering.Dmarc.DmarcZones;

namespace Appliance.Tests.Filtering.Dmarc;

/// <summary>
/// One DMARC question with the RFC's answer (result and disposition), and where Mail::DMARC (Debian's
/// libmail-dmarc-perl 1.20211209) answers otherwise, what it says and why the RFC is followed instead.
/// </summary>
public sealed record DmarcCase(string Name, string From, string? SpfDomain, string SpfResult, string? DkimDomain, string DkimResult, string Expected)
{
    public string? MailDmarc { get; init; }

    public string? Deviation { get; init; }

    public override string ToString() => Name;
}

/// <summary>
/// Both evaluators answer every case against the same loopback DNS responder (<see cref="DmarcZones"/>): ours through
/// <see cref="Appliance.Dns.DnsResolver"/>, Mail::DMARC::PurePerl in one perl process with a Net::DNS resolver pointed at
/// the same port and given the same SPF and DKIM results. Answers are "result/disposition".
/// </summary>
public sealed class DmarcDifferentialTests(DmarcZones zones) : IClassFixture<DmarcZones>
{
    private const string Elsewhere = "elsewhere.net";

    private static DmarcCase C(string name, string from, string expected, string? spf = null, string spfResult = "pass", string? dkim = null, string dkimResult = "pass") =>
        new(name, from, spf, spfResult, dkim, dkimResult, expected);

    public static IReadOnlyList<DmarcCase> Cases { get; } =
    [
        C("p-none-unaligned", "nonepolicy.com", "fail/none", Elsewhere, dkim: Elsewhere),
        C("p-quarantine-unaligned", "quarantinepolicy.com", "fail/quarantine", Elsewhere, dkim: Elsewhere),
        C("p-reject-unaligned", "rejectpolicy.com", "fail/reject", Elsewhere, dkim: Elsewhere),
        C("p-reject-dkim-aligned", "rejectpolicy.com", "pass/none", Elsewhere, "fail", "rejectpolicy.com"),
        C("p-reject-spf-aligned", "rejectpolicy.com", "pass/none", "rejectpolicy.com"),
        C("p-reject-spf-softfail-aligned", "rejectpolicy.com", "fail/reject", "rejectpolicy.com", "softfail"),
        C("p-reject-dkim-fail-aligned", "rejectpolicy.com", "fail/reject", dkim: "rejectpolicy.com", dkimResult: "fail"),
        C("relaxed-spf-subdomain", "rejectpolicy.com", "pass/none", "bounces.rejectpolicy.com"),
        C("relaxed-dkim-parent", "mail.rejectpolicy.com", "pass/none", dkim: "rejectpolicy.com"),
        C("strict-spf-subdomain", "strict.com", "fail/reject", "bounces.strict.com"),
        C("strict-dkim-subdomain", "strict.com", "fail/reject", dkim: "mail.strict.com"),
        C("strict-exact", "strict.com", "pass/none", "strict.com", dkim: "strict.com"),
        C("sp-for-subdomain", "sub.parent.com", "fail/quarantine", Elsewhere),
        C("sp-for-deep-subdomain", "deep.sub.parent.com", "fail/quarantine"),
        C("p-for-organisational-domain", "parent.com", "fail/reject"),
        C("no-sp-subdomain-gets-p", "sub.nosp.com", "fail/reject"),
        C("subdomain-own-record", "own.parent.com", "fail/none"),
        C("co-uk-sp-none", "shop.example.co.uk", "fail/none"),
        C("co-uk-aligned", "shop.example.co.uk", "pass/none", "bounce.example.co.uk"),
        C("co-uk-other-registration", "shop.example.co.uk", "fail/none", "other.co.uk"),
        C("pct-0-reject", "pct0.com", "fail/quarantine"),
        C("pct-0-quarantine", "pct0q.com", "fail/none"),
        C("pct-100", "pct100.com", "fail/quarantine"),
        C("multiple-records", "multiple.com", "none/none") with
        {
            MailDmarc = "fail/none",
            Deviation = "RFC 7489 §6.6.3 step 4 ends discovery with no DMARC processing; Mail::DMARC keeps its default result 'fail'",
        },
        C("one-dmarc-among-other-txt", "multipleplusother.com", "fail/reject"),
        C("record-in-two-strings", "split.com", "fail/reject"),
        C("no-record", "nopolicy.com", "none/none"),
        C("no-record-subdomain", "sub.nopolicy.com", "none/none"),
        C("txt-that-is-not-dmarc", "notdmarc.com", "none/none"),
        C("domain-does-not-exist", "doesnotexist.com", "none/none"),
        C("malformed-p", "malformed.com", "permerror/none") with
        {
            MailDmarc = "fail/none",
            Deviation = "RFC 8601 §2.7 (RFC 7489 §11.2) names a syntactically incorrect record permerror; Mail::DMARC keeps 'fail', and both apply nothing",
        },
        C("malformed-p-with-rua", "malformedrua.com", "fail/none"),
        C("servfail", "servfail.com", "temperror/none") with
        {
            MailDmarc = "none/none",
            Deviation = "a SERVFAIL is a temporary error (RFC 7489 §6.6.3 distinguishes 'no record' from 'a transient DNS error'); Mail::DMARC treats any failed query as no record",
        },
    ];

    public static TheoryData<DmarcCase> CaseData()
    {
        var data = new TheoryData<DmarcCase>();
        foreach (var c in Cases)
        {
            data.Add(c);
        }
        return data;
    }

    private static string Disposition(DmarcResult result) => result.Disposition switch
    {
        DmarcDisposition.Reject => "reject",
        DmarcDisposition.Quarantine => "quarantine",
        _ => "none",
    };

    private async Task<string> OursAsync(DmarcCase c)
    {
        var spf = c.SpfDomain is null ? null : SpfOf(c.SpfDomain, Enum.Parse<SpfVerdict>(c.SpfResult, ignoreCase: true));
        var dkim = c.DkimDomain is null ? DkimOf() : DkimOf((c.DkimDomain, Enum.Parse<DkimResult>(c.DkimResult, ignoreCase: true)));
        var result = await zones.Evaluator(roll: 0).EvaluateAsync(DmarcAuthor.FromDomain(c.From), spf, dkim);
        return result.Keyword + "/" + Disposition(result);
    }

    private static Dictionary<string, string>? s_mailDmarc;
    private static readonly SemaphoreSlim s_lock = new(1, 1);

    private async Task<Dictionary<string, string>> MailDmarcAsync()
    {
        await s_lock.WaitAsync();
        try
        {
            if (s_mailDmarc is null)
            {
                var input = JsonSerializer.Serialize(new
                {
                    port = zones.Server.EndPoint.Port,
                    cases = Cases.Select(c => new { name = c.Name, from = c.From, spf = c.SpfDomain, spf_result = c.SpfResult, dkim = c.DkimDomain, dkim_result = c.DkimResult }),
                });
                var (exit, output, error) = await ExternalProgram.RunAsync("/usr/bin/perl", ["-e", MailDmarcDriver], input, timeoutSeconds: 120);
                Assert.True(exit == 0, $"Mail::DMARC driver exited {exit}: {error}");
                s_mailDmarc = JsonSerializer.Deserialize<Dictionary<string, string>>(output)!;
            }
            return s_mailDmarc;
        }
        finally
        {
            s_lock.Release();
        }
    }

    [Theory]
    [MemberData(nameof(CaseData))]
    public async Task Ours_answers_as_RFC_7489_says(DmarcCase c) => Assert.Equal(c.Expected, await OursAsync(c));

    [Theory]
    [MemberData(nameof(CaseData))]
    public async Task Mail_DMARC_agrees_or_its_deviation_is_known(DmarcCase c)
    {
        var theirs = (await MailDmarcAsync())[c.Name];
        Assert.Equal(c.MailDmarc ?? c.Expected, theirs);
    }

    /// <summary>
    /// Mail::DMARC::PurePerl with Debian's configuration (the same /usr/share/publicsuffix list), a Net::DNS resolver
    /// that knows only 127.0.0.1:port, and the case's SPF (scope mfrom) and DKIM results.
    /// </summary>
    private const string MailDmarcDriver = """
        use strict; use warnings;
        use JSON::PP; use Net::DNS; use Mail::DMARC::PurePerl;
        my $config = do { local $/; decode_json(<STDIN>) };  # slurp only here: Mail::DMARC reads its suffix list by lines
        my $resolver = Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => $config->{port}, recurse => 1,
            dnsrch => 0, defnames => 0, udp_timeout => 2, tcp_timeout => 2, retry => 1, retrans => 1);
        my %out;
        for my $case (@{ $config->{cases} }) {
            my $dmarc = Mail::DMARC::PurePerl->new;
            $dmarc->set_resolver($resolver);
            $dmarc->header_from($case->{from});
            $dmarc->spf(domain => $case->{spf}, scope => 'mfrom', result => $case->{spf_result}) if defined $case->{spf};
            $dmarc->dkim(defined $case->{dkim} ? [{ domain => $case->{dkim}, selector => 'sel', result => $case->{dkim_result} }] : []);
            my $result = $dmarc->validate;
            $out{$case->{name}} = $result->result . '/' . ($result->disposition // 'none');
        }
        print encode_json(\%out);
        """;
}
