using System.Text.Json;
using Appliance.Filtering.Authentication;
using Appliance.Filtering.Dkim;
using Appliance.Filtering.Dmarc;
using Appliance.Filtering.Spf;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Filtering.Authentication;

public sealed class AuthenticationResultsBuilderTests
{
    private const string Host = "mx.appliance.example";

    private static readonly SpfResult SpfPass =
        new(SpfVerdict.Pass, "example.com", "ip4:192.0.2.0/24", "192.0.2.1 matched ip4:192.0.2.0/24") { IdentityValue = "bounce@example.com" };

    private static readonly DkimVerificationResult TwoSignatures = new(
    [
        new DkimSignatureResult(DkimResult.Pass, "example.com", "s2026", "rsa-sha256", "dGhpcyBpcyBhIHNpZ25hdHVyZQ==", null),
        new DkimSignatureResult(DkimResult.Fail, "list.example.org", "lists", "ed25519-sha256", "b3RoZXIgc2lnbmF0dXJl", "body hash did not verify"),
    ], 0);

    private static readonly DmarcResult DmarcPass = new(DmarcStatus.Pass, "example.com", "SPF passed")
    {
        Record = new DmarcRecord { Policy = DmarcPolicy.Reject },
        RequestedPolicy = DmarcPolicy.Reject,
    };

    private static readonly DmarcResult DmarcFail = new(DmarcStatus.Fail, "example.net", "no aligned pass")
    {
        Record = new DmarcRecord { Policy = DmarcPolicy.Reject, SubdomainPolicy = DmarcPolicy.Quarantine },
        RequestedPolicy = DmarcPolicy.Reject,
        AppliedPolicy = DmarcPolicy.Reject,
        Disposition = DmarcDisposition.Reject,
    };

    private static string Full() => new AuthenticationResultsBuilder(Host)
        .AddSpf(SpfPass)
        .AddDkim(TwoSignatures)
        .AddArc(new ArcVerificationResult(ArcResult.Pass, 2, null, false))
        .AddDmarc(DmarcPass)
        .Build();

    [Fact]
    public void One_field_with_a_resinfo_per_line()
    {
        Assert.Equal(
            "Authentication-Results: mx.appliance.example;\r\n" +
            "\tspf=pass (example.com: 192.0.2.1 matched ip4:192.0.2.0/24)\r\n" +
            "\tsmtp.mailfrom=bounce@example.com;\r\n" +
            "\tdkim=pass header.d=example.com header.s=s2026 header.a=rsa-sha256\r\n" +
            "\theader.b=dGhpcyBp;\r\n" +
            "\tdkim=fail (body hash did not verify) header.d=list.example.org header.s=lists\r\n" +
            "\theader.a=ed25519-sha256 header.b=b3RoZXIg;\r\n" +
            "\tarc=pass;\r\n" +
            "\tdmarc=pass (p=reject sp=reject) header.from=example.com\r\n",
            Full());
    }

    [Fact]
    public void No_line_is_longer_than_78_characters()
    {
        var builder = new AuthenticationResultsBuilder(Host)
            .Add("x-long=pass (" + string.Join(' ', Enumerable.Repeat("word", 60)) + ") policy.x=" + new string('a', 40))
            .AddDmarc(DmarcFail);
        foreach (var line in builder.Build().Split("\r\n"))
        {
            Assert.True(line.Length <= AuthenticationResultsBuilder.LineLength, $"{line.Length}: {line}");
        }
    }

    [Fact]
    public void A_token_longer_than_a_line_stays_whole()
    {
        var token = new string('b', 120);
        var field = new AuthenticationResultsBuilder(Host).Add("x=pass policy.y=" + token).Build();
        Assert.Contains("\r\n\t" + "policy.y=" + token + "\r\n", field, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quoted_string_is_never_folded()
    {
        var value = "\"" + string.Join(' ', Enumerable.Repeat("quoted", 20)) + "\"";
        var field = new AuthenticationResultsBuilder(Host).Add("x=pass policy.q=" + value).Build();
        Assert.Contains(value, field, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_results_the_field_says_none() =>
        Assert.Equal("Authentication-Results: mx.appliance.example; none\r\n", new AuthenticationResultsBuilder(Host).Build());

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("semi;colon")]
    public void The_authserv_id_must_be_a_token(string id) =>
        Assert.ThrowsAny<ArgumentException>(() => new AuthenticationResultsBuilder(id));

    [Theory]
    [InlineData("spf=pass\r\nX-Injected: yes")]
    [InlineData("spf=pass; dkim=pass")]
    public void A_resinfo_cannot_inject_a_field_or_a_second_result(string resinfo) =>
        Assert.Throws<ArgumentException>(() => new AuthenticationResultsBuilder(Host).Add(resinfo));

    [Fact]
    public void A_failing_dmarc_says_the_policy_and_the_disposition()
    {
        Assert.Equal("dmarc=fail (p=reject sp=quarantine dis=reject) header.from=example.net", DmarcFail.ToAuthenticationResults());
        Assert.Equal("dmarc=temperror (DNS lookup of _dmarc.example.org failed Timeout) header.from=example.org",
            new DmarcResult(DmarcStatus.TempError, "example.org", "DNS lookup of _dmarc.example.org failed (Timeout)").ToAuthenticationResults());
    }

    [Fact]
    public void An_arc_reason_is_made_a_safe_comment() =>
        Assert.Contains("arc=fail (cv=fail at i=2 x)",
            new AuthenticationResultsBuilder(Host).AddArc(new ArcVerificationResult(ArcResult.Fail, 2, "cv=fail at i=2\r\n(x)", false)).Build().Replace("\r\n\t", " ", StringComparison.Ordinal),
            StringComparison.Ordinal);

    /// <summary>
    /// Python's email parser unfolds the field (RFC 5322 §2.2.3), and authres (python3-authres, Debian's) parses it by
    /// RFC 8601's grammar with its DMARC and ARC extensions: what we write is what another implementation reads.
    /// </summary>
    [Fact]
    public async Task Python_authres_parses_back_what_we_write()
    {
        var fields = new[]
        {
            Full(),
            new AuthenticationResultsBuilder(Host).AddSpf(SpfPass with { Verdict = SpfVerdict.SoftFail, Identity = SpfIdentity.Helo, IdentityValue = "mail.example.com" })
                .AddDkim(new DkimVerificationResult([], 0)).AddArc(new ArcVerificationResult(ArcResult.None, 0, null, false)).AddDmarc(DmarcFail).Build(),
            new AuthenticationResultsBuilder(Host).Build(),
        };
        var (exit, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", AuthresDriver], JsonSerializer.Serialize(fields));
        Assert.True(exit == 0, $"authres driver exited {exit}: {error}");
        var parsed = JsonDocument.Parse(output).RootElement;

        var first = parsed[0];
        Assert.Equal(Host, first.GetProperty("authserv_id").GetString());
        var results = first.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["spf=pass", "dkim=pass", "dkim=fail", "arc=pass", "dmarc=pass"],
            results.Select(r => r.GetProperty("method").GetString() + "=" + r.GetProperty("result").GetString()));
        Assert.Equal("bounce@example.com", results[0].GetProperty("properties").GetProperty("smtp.mailfrom").GetString());
        // authres skips comments as CFWS; the email parser's unfolded value (white space runs made one space) shows ours intact.
        Assert.Contains("spf=pass (example.com: 192.0.2.1 matched ip4:192.0.2.0/24) smtp.mailfrom=bounce@example.com;", first.GetProperty("unfolded").GetString(), StringComparison.Ordinal);
        Assert.Equal("example.com", results[1].GetProperty("properties").GetProperty("header.d").GetString());
        Assert.Equal("dGhpcyBp", results[1].GetProperty("properties").GetProperty("header.b").GetString());
        Assert.Equal("list.example.org", results[2].GetProperty("properties").GetProperty("header.d").GetString());
        Assert.Equal("example.com", results[4].GetProperty("properties").GetProperty("header.from").GetString());

        var second = parsed[1].GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["spf=softfail", "dkim=none", "arc=none", "dmarc=fail"],
            second.Select(r => r.GetProperty("method").GetString() + "=" + r.GetProperty("result").GetString()));
        Assert.Equal("mail.example.com", second[0].GetProperty("properties").GetProperty("smtp.helo").GetString());
        Assert.Equal("example.net", second[3].GetProperty("properties").GetProperty("header.from").GetString());

        Assert.Equal(Host, parsed[2].GetProperty("authserv_id").GetString());
        Assert.Equal(0, parsed[2].GetProperty("results").GetArrayLength());
    }

    private const string AuthresDriver = """
        import json, sys, email, email.policy
        import authres, authres.dmarc, authres.arc
        context = authres.FeatureContext(authres.dmarc, authres.arc)
        out = []
        for field in json.load(sys.stdin):
            message = email.message_from_string(field + "\r\nbody\r\n", policy=email.policy.compat32)
            values = message.get_all("Authentication-Results")
            assert len(values) == 1, values
            unfolded = "".join(values[0].replace("\r\n", "\n").split("\n"))
            header = context.parse("Authentication-Results: " + unfolded)
            out.append({
                "authserv_id": header.authserv_id,
                "unfolded": " ".join(unfolded.split()),
                "results": [{
                    "method": r.method,
                    "result": r.result,
                    "properties": {p.type + "." + p.name: p.value for p in r.properties},
                } for r in header.results if r.method is not None],
            })
        json.dump(out, sys.stdout)
        """;
}
