using System.Text;
using Appliance.Filtering;
using Appliance.Filtering.Dkim;
using Appliance.Filtering.Dmarc;
using Appliance.Filtering.Spf;
using static Appliance.Tests.Filtering.Dmarc.DmarcZones;

namespace Appliance.Tests.Filtering.Dmarc;

public sealed class DmarcEvaluatorTests(DmarcZones zones) : IClassFixture<DmarcZones>
{
    private Task<DmarcResult> Evaluate(string from, SpfResult? spf = null, DkimVerificationResult? dkim = null, int roll = 0, DmarcOptions? options = null) =>
        zones.Evaluator(roll, options).EvaluateAsync(DmarcAuthor.FromDomain(from), spf, dkim);

    [Theory]
    [InlineData("nonepolicy.com", DmarcPolicy.None, DmarcDisposition.Accept)]
    [InlineData("quarantinepolicy.com", DmarcPolicy.Quarantine, DmarcDisposition.Quarantine)]
    [InlineData("rejectpolicy.com", DmarcPolicy.Reject, DmarcDisposition.Reject)]
    public async Task Unaligned_mail_gets_the_published_policy(string domain, DmarcPolicy policy, DmarcDisposition disposition)
    {
        var result = await Evaluate(domain, SpfOf("elsewhere.net", SpfVerdict.Pass), DkimOf(("elsewhere.net", DkimResult.Pass)));
        Assert.Equal(DmarcStatus.Fail, result.Status);
        Assert.Equal(policy, result.RequestedPolicy);
        Assert.Equal(policy, result.AppliedPolicy);
        Assert.Equal(disposition, result.Disposition);
        Assert.Equal(domain, result.PolicyDomain);
        Assert.Contains("elsewhere.net", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nonepolicy.com")]
    [InlineData("quarantinepolicy.com")]
    [InlineData("rejectpolicy.com")]
    public async Task Aligned_DKIM_passes_whatever_the_policy(string domain)
    {
        var result = await Evaluate(domain, SpfOf("elsewhere.net", SpfVerdict.Fail), DkimOf(("elsewhere.net", DkimResult.Pass), (domain, DkimResult.Pass)));
        Assert.Equal(DmarcStatus.Pass, result.Status);
        Assert.Equal(DmarcDisposition.Accept, result.Disposition);
        Assert.Equal(domain, result.AlignedDkimDomain);
        Assert.Null(result.AlignedSpfDomain);
    }

    [Fact]
    public async Task Aligned_SPF_passes()
    {
        var result = await Evaluate("rejectpolicy.com", SpfOf("rejectpolicy.com", SpfVerdict.Pass), DkimOf());
        Assert.Equal(DmarcStatus.Pass, result.Status);
        Assert.Equal("rejectpolicy.com", result.AlignedSpfDomain);
    }

    [Theory]
    [InlineData(SpfVerdict.SoftFail)]
    [InlineData(SpfVerdict.Neutral)]
    [InlineData(SpfVerdict.Fail)]
    [InlineData(SpfVerdict.None)]
    public async Task Aligned_SPF_that_does_not_pass_does_not_count(SpfVerdict verdict) =>
        Assert.Equal(DmarcStatus.Fail, (await Evaluate("rejectpolicy.com", SpfOf("rejectpolicy.com", verdict), DkimOf())).Status);

    [Fact]
    public async Task A_failing_aligned_DKIM_signature_does_not_count()
    {
        var result = await Evaluate("rejectpolicy.com", null, DkimOf(("rejectpolicy.com", DkimResult.Fail), ("rejectpolicy.com", DkimResult.PermError)));
        Assert.Equal(DmarcStatus.Fail, result.Status);
        Assert.Equal(DmarcDisposition.Reject, result.Disposition);
    }

    [Fact]
    public async Task Relaxed_alignment_accepts_a_subdomain_of_the_same_organisation()
    {
        var spf = await Evaluate("rejectpolicy.com", SpfOf("bounces.rejectpolicy.com", SpfVerdict.Pass));
        Assert.Equal(DmarcStatus.Pass, spf.Status);
        var dkim = await Evaluate("mail.rejectpolicy.com", null, DkimOf(("rejectpolicy.com", DkimResult.Pass)));
        Assert.Equal(DmarcStatus.Pass, dkim.Status);
        Assert.Equal("rejectpolicy.com", dkim.PolicyDomain);
    }

    [Fact]
    public async Task Strict_alignment_needs_the_same_name()
    {
        Assert.Equal(DmarcStatus.Fail, (await Evaluate("strict.com", SpfOf("bounces.strict.com", SpfVerdict.Pass))).Status);
        Assert.Equal(DmarcStatus.Fail, (await Evaluate("strict.com", null, DkimOf(("mail.strict.com", DkimResult.Pass)))).Status);
        Assert.Equal(DmarcStatus.Pass, (await Evaluate("strict.com", SpfOf("STRICT.com", SpfVerdict.Pass))).Status);
        Assert.Equal(DmarcStatus.Pass, (await Evaluate("strict.com", null, DkimOf(("strict.com", DkimResult.Pass)))).Status);
    }

    [Fact]
    public async Task Relaxed_alignment_follows_the_public_suffix_list()
    {
        // Two registrations under co.uk are two organisations; two names under example.co.uk are one.
        Assert.Equal(DmarcStatus.Fail, (await Evaluate("shop.example.co.uk", SpfOf("other.co.uk", SpfVerdict.Pass))).Status);
        Assert.Equal(DmarcStatus.Pass, (await Evaluate("shop.example.co.uk", SpfOf("bounce.example.co.uk", SpfVerdict.Pass))).Status);
    }

    [Fact]
    public async Task A_subdomain_without_a_record_gets_the_organisational_domain_s_sp()
    {
        var result = await Evaluate("sub.parent.com");
        Assert.Equal(DmarcStatus.Fail, result.Status);
        Assert.Equal("parent.com", result.PolicyDomain);
        Assert.Equal(DmarcPolicy.Quarantine, result.RequestedPolicy);
        Assert.Equal(DmarcDisposition.Quarantine, result.Disposition);
        Assert.Equal(DmarcPolicy.Quarantine, (await Evaluate("deep.sub.parent.com")).RequestedPolicy);
        // The organisational domain itself gets p=.
        Assert.Equal(DmarcPolicy.Reject, (await Evaluate("parent.com")).RequestedPolicy);
    }

    [Fact]
    public async Task Without_sp_a_subdomain_gets_p()
    {
        var result = await Evaluate("sub.nosp.com");
        Assert.Equal("nosp.com", result.PolicyDomain);
        Assert.Equal(DmarcPolicy.Reject, result.RequestedPolicy);
        Assert.Equal(DmarcDisposition.Reject, result.Disposition);
        Assert.Equal(DmarcPolicy.None, (await Evaluate("shop.example.co.uk")).RequestedPolicy);
    }

    [Fact]
    public async Task A_subdomain_s_own_record_comes_before_the_organisational_domain_s()
    {
        var result = await Evaluate("own.parent.com");
        Assert.Equal("own.parent.com", result.PolicyDomain);
        Assert.Equal(DmarcPolicy.None, result.RequestedPolicy);
        Assert.Equal(DmarcDisposition.Accept, result.Disposition);
        var asked = zones.Server.Questions.Select(q => q.Name.ToLowerInvariant()).ToList();
        Assert.Contains("_dmarc.own.parent.com", asked);
    }

    [Theory]
    [InlineData(0, DmarcPolicy.Quarantine)]
    [InlineData(99, DmarcPolicy.Quarantine)]
    public async Task Pct_0_never_samples_and_steps_reject_down_to_quarantine(int roll, DmarcPolicy applied)
    {
        var result = await Evaluate("pct0.com", roll: roll);
        Assert.Equal(DmarcStatus.Fail, result.Status);
        Assert.Equal(DmarcPolicy.Reject, result.RequestedPolicy);
        Assert.Equal(applied, result.AppliedPolicy);
        Assert.False(result.Sampled);
        Assert.Equal(DmarcDisposition.Quarantine, result.Disposition);
        var quarantine = await Evaluate("pct0q.com", roll: roll);
        Assert.Equal(DmarcPolicy.None, quarantine.AppliedPolicy);
        Assert.Equal(DmarcDisposition.Accept, quarantine.Disposition);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(99)]
    public async Task Pct_100_always_samples(int roll)
    {
        var result = await Evaluate("pct100.com", roll: roll);
        Assert.True(result.Sampled);
        Assert.Equal(DmarcDisposition.Quarantine, result.Disposition);
    }

    [Fact]
    public async Task Pct_between_samples_by_the_roll()
    {
        Assert.Equal(DmarcDisposition.Reject, (await Evaluate("rejectpolicy.com", roll: 99)).Disposition);
        Assert.Equal(DmarcDisposition.Reject, (await Evaluate("half.com", roll: 49)).Disposition);
        Assert.Equal(DmarcDisposition.Quarantine, (await Evaluate("half.com", roll: 50)).Disposition);
    }

    [Theory]
    [InlineData("multiple.com")]
    [InlineData("nopolicy.com")]
    [InlineData("sub.nopolicy.com")]
    [InlineData("notdmarc.com")]
    [InlineData("doesnotexist.com")]
    public async Task No_single_record_is_none_and_applies_nothing(string domain)
    {
        var result = await Evaluate(domain);
        Assert.Equal(DmarcStatus.None, result.Status);
        Assert.Null(result.Record);
        Assert.Equal(DmarcDisposition.Accept, result.Disposition);
        Assert.NotEqual("", result.Reason);
    }

    [Fact]
    public async Task Several_records_are_counted_after_other_text_is_discarded()
    {
        Assert.Contains("2 DMARC records", (await Evaluate("multiple.com")).Reason, StringComparison.Ordinal);
        // Only one of the two TXT records is DMARC: it is used.
        Assert.Equal(DmarcDisposition.Reject, (await Evaluate("multipleplusother.com")).Disposition);
        Assert.Equal(DmarcDisposition.Reject, (await Evaluate("split.com")).Disposition);
    }

    [Fact]
    public async Task A_malformed_record_is_permerror_and_applies_nothing()
    {
        var result = await Evaluate("malformed.com");
        Assert.Equal(DmarcStatus.PermError, result.Status);
        Assert.Equal(DmarcDisposition.Accept, result.Disposition);
        Assert.Contains("p=bogus", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_policy_with_rua_is_evaluated_as_p_none()
    {
        var result = await Evaluate("malformedrua.com");
        Assert.Equal(DmarcStatus.Fail, result.Status);
        Assert.True(result.Record!.PolicyFallback);
        Assert.Equal(DmarcDisposition.Accept, result.Disposition);
    }

    [Theory]
    [InlineData("timeout.com")]
    [InlineData("servfail.com")]
    public async Task A_DNS_failure_is_temperror_and_applies_nothing(string domain)
    {
        var result = await Evaluate(domain);
        Assert.Equal(DmarcStatus.TempError, result.Status);
        Assert.Equal(DmarcDisposition.Accept, result.Disposition);
        Assert.Contains(domain, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_temporary_failure_of_an_aligned_check_is_temperror_not_a_reject()
    {
        var dkim = await Evaluate("rejectpolicy.com", SpfOf("elsewhere.net", SpfVerdict.Pass), DkimOf(("rejectpolicy.com", DkimResult.TempError)));
        Assert.Equal(DmarcStatus.TempError, dkim.Status);
        Assert.Equal(DmarcDisposition.Accept, dkim.Disposition);
        var spf = await Evaluate("rejectpolicy.com", SpfOf("rejectpolicy.com", SpfVerdict.TempError));
        Assert.Equal(DmarcStatus.TempError, spf.Status);
        // An unaligned temporary failure changes nothing.
        Assert.Equal(DmarcStatus.Fail, (await Evaluate("rejectpolicy.com", SpfOf("elsewhere.net", SpfVerdict.TempError))).Status);
    }

    [Fact]
    public async Task A_null_reverse_path_aligns_on_the_HELO_name()
    {
        var helo = new SpfResult(SpfVerdict.Pass, "mx.rejectpolicy.com", null, "test") { Identity = SpfIdentity.Helo, IdentityValue = "mx.rejectpolicy.com" };
        Assert.Equal(DmarcStatus.Pass, (await Evaluate("rejectpolicy.com", helo)).Status);
    }

    [Fact]
    public async Task The_SPF_identity_is_the_MAIL_FROM_domain_not_a_redirect_target()
    {
        // After redirect=_spf.elsewhere.net, SpfResult.Domain names the record's domain; alignment still uses MAIL FROM.
        var redirected = new SpfResult(SpfVerdict.Pass, "_spf.elsewhere.net", "ip4:192.0.2.0/24", "test") { IdentityValue = "bounce@rejectpolicy.com" };
        Assert.Equal(DmarcStatus.Pass, (await Evaluate("rejectpolicy.com", redirected)).Status);
    }

    [Fact]
    public async Task Local_settings_can_soften_the_policies()
    {
        var options = new DmarcOptions { HonourReject = false, HonourQuarantine = false };
        Assert.Equal(DmarcDisposition.Quarantine, (await Evaluate("rejectpolicy.com", options: options)).Disposition);
        Assert.Equal(DmarcDisposition.Accept, (await Evaluate("quarantinepolicy.com", options: options)).Disposition);
    }

    private static ReadOnlyMemory<byte> Message(string headers) => Encoding.UTF8.GetBytes(headers + "\r\nbody\r\n");

    [Fact]
    public async Task The_From_domain_is_read_from_the_message()
    {
        var result = await zones.Evaluator().EvaluateAsync(Message("From: \"Sales\" <sales@RejectPolicy.COM>\r\nTo: a@b.example\r\n"), null, DkimOf(("rejectpolicy.com", DkimResult.Pass)));
        Assert.Equal(DmarcStatus.Pass, result.Status);
        Assert.Equal("rejectpolicy.com", result.FromDomain);
    }

    [Theory]
    [InlineData("From: a@rejectpolicy.com, b@quarantinepolicy.com\r\n", DmarcAuthorStatus.SeveralDomains)]
    [InlineData("From: a@rejectpolicy.com\r\nFrom: b@rejectpolicy.com\r\n", DmarcAuthorStatus.SeveralFields)]
    [InlineData("From: undisclosed:;\r\n", DmarcAuthorStatus.Unusable)]
    [InlineData("From: just a name\r\n", DmarcAuthorStatus.Unusable)]
    [InlineData("From: a@localhost\r\n", DmarcAuthorStatus.Unusable)]
    public async Task A_From_that_names_no_single_domain_is_a_fail_with_the_local_disposition(string headers, DmarcAuthorStatus status)
    {
        var result = await zones.Evaluator().EvaluateAsync(Message(headers), null, null);
        Assert.Equal(status, result.AuthorStatus);
        Assert.Equal(DmarcStatus.Fail, result.Status);
        Assert.Equal(DmarcDisposition.Reject, result.Disposition);
        Assert.Contains("RFC 7489", result.RejectReply, StringComparison.Ordinal);
        var lenient = await zones.Evaluator(options: new DmarcOptions { InvalidFromDisposition = DmarcDisposition.Quarantine }).EvaluateAsync(Message(headers), null, null);
        Assert.Equal(DmarcDisposition.Quarantine, lenient.Disposition);
    }

    [Fact]
    public async Task A_message_without_From_forges_no_domain_and_is_accepted_unless_configured_otherwise()
    {
        var result = await zones.Evaluator().EvaluateAsync(Message("To: a@rejectpolicy.com\r\n"), null, null);
        Assert.Equal(DmarcAuthorStatus.Missing, result.AuthorStatus);
        Assert.Equal(DmarcStatus.Fail, result.Status);
        Assert.Equal(DmarcDisposition.Accept, result.Disposition);
        var strict = await zones.Evaluator(options: new DmarcOptions { MissingFromDisposition = DmarcDisposition.Reject }).EvaluateAsync(Message("To: a@rejectpolicy.com\r\n"), null, null);
        Assert.Equal(DmarcDisposition.Reject, strict.Disposition);
    }

    [Fact]
    public async Task Several_addresses_of_one_domain_are_that_domain()
    {
        var author = DmarcAuthor.FromMessage(Message("From: a@rejectpolicy.com,\r\n B <b@REJECTPOLICY.com>\r\n"));
        Assert.Equal(DmarcAuthorStatus.Found, author.Status);
        Assert.Equal("rejectpolicy.com", author.Domain);
        Assert.Equal(DmarcDisposition.Reject, (await zones.Evaluator().EvaluateAsync(author, null, null)).Disposition);
    }

    [Fact]
    public void An_internationalised_From_domain_is_looked_up_as_A_labels() =>
        Assert.Equal("xn--bcher-kva.example", DmarcAuthor.FromMessage(Message("From: a@bücher.example\r\n")).Domain);

    [Theory]
    [InlineData("rejectpolicy.com", DmarcSymbols.FailReject, 2.0)]
    [InlineData("quarantinepolicy.com", DmarcSymbols.FailQuarantine, 1.5)]
    [InlineData("nonepolicy.com", DmarcSymbols.FailNone, 0.1)]
    [InlineData("nopolicy.com", DmarcSymbols.None, 0.0)]
    [InlineData("timeout.com", DmarcSymbols.TempError, 0.0)]
    [InlineData("malformed.com", DmarcSymbols.PermError, 0.5)]
    public async Task Each_result_adds_its_symbol_with_points_and_a_reason(string domain, string symbol, double points)
    {
        var verdict = new Verdict();
        var added = DmarcSymbols.AddTo(verdict, await Evaluate(domain));
        Assert.Equal(symbol, added.Name);
        Assert.Equal(points, added.Points);
        Assert.Equal("dmarc", added.Source);
        Assert.Contains(domain, added.Reason, StringComparison.Ordinal);
        Assert.True(verdict.Has(symbol));
    }

    [Fact]
    public async Task A_pass_is_a_good_sign_and_reasons_come_in_the_reader_s_language()
    {
        var result = await Evaluate("rejectpolicy.com", SpfOf("rejectpolicy.com", SpfVerdict.Pass));
        var verdict = new Verdict();
        Assert.Equal(-0.5, DmarcSymbols.AddTo(verdict, result).Points);
        var german = DmarcSymbols.AddTo(new Verdict(), result, System.Globalization.CultureInfo.GetCultureInfo("de"));
        Assert.Contains("bürgt", german.Reason, StringComparison.Ordinal);
        Assert.Equal(DmarcSymbols.BadFrom, DmarcSymbols.AddTo(new Verdict(), await zones.Evaluator().EvaluateAsync(Message("To: x@y.example\r\n"), null, null)).Name);
    }
}
