using System.Diagnostics;
using System.Text;
using Appliance.Dns;
using Appliance.Filtering.Dkim;
using Appliance.Tests.Infrastructure;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Appliance.Tests.Filtering.Dkim;

/// <summary>Hostile and broken input: every case gets an RFC 8601 result, none throws, none hangs.</summary>
public sealed class DkimVerificationTests
{
    private static byte[] WithField(string value) => DkimTestBed.Bytes($"DKIM-Signature: {value}\r\n{DkimTestBed.Message}");

    private static async Task<(DkimTestBed Bed, byte[] Signed)> SignedAsync(DkimOptions? options = null, int dnsTimeoutMilliseconds = 1000)
    {
        var bed = new DkimTestBed(options, dnsTimeoutMilliseconds: dnsTimeoutMilliseconds);
        bed.Keys.Rotate("example.com");
        await Task.CompletedTask;
        return (bed, bed.Signing.Sign(DkimTestBed.Bytes(DkimTestBed.Message), "example.com").Message);
    }

    private static DkimKey Rsa(DkimTestBed bed) => bed.Keys.ActiveKeys("example.com").Single(k => k.Algorithm == DkimKeyAlgorithm.Rsa);
    private static DkimKey Ed(DkimTestBed bed) => bed.Keys.ActiveKeys("example.com").Single(k => k.Algorithm == DkimKeyAlgorithm.Ed25519);

    [Fact]
    public async Task An_unsigned_message_is_dkim_none()
    {
        await using var bed = new DkimTestBed();
        var result = await bed.Verification.VerifyAsync(DkimTestBed.Bytes(DkimTestBed.Message));
        Assert.Empty(result.Signatures);
        Assert.Equal(["dkim=none"], result.ToAuthenticationResults());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("=;;==")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; d=example.org; s=x; h=from; bh=AAAA; b=AAAA")]
    [InlineData("v=1; a=rsa-sha256; s=x; h=from; bh=AAAA; b=AAAA")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=x; h=to:subject; bh=AAAA; b=AAAA")]
    [InlineData("v=2; a=rsa-sha256; d=example.com; s=x; h=from; bh=AAAA; b=AAAA")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=x; h=from; bh=AAAA")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=x; h=from; bh=AAAA; b=AAAA; l=-5")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=x; h=from; bh=AAAA; b=AAAA; x=soon")]
    [InlineData("v=1; a=hmac-md5; d=example.com; s=x; h=from; bh=AAAA; b=AAAA")]
    [InlineData("v=1; a=rsa-sha1; d=example.com; s=x; h=from; bh=AAAA; b=AAAA")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=x; h=from; bh=AAAA; b=AAAA; i=nobody@elsewhere.example")]
    public async Task A_malformed_or_unacceptable_signature_field_is_neutral(string value)
    {
        await using var bed = new DkimTestBed();
        var result = Assert.Single((await bed.Verification.VerifyAsync(WithField(value))).Signatures);
        Assert.Equal(DkimResult.Neutral, result.Result);
        Assert.StartsWith("dkim=neutral (", result.ToAuthenticationResults(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signature_past_its_expiry_fails()
    {
        await using var bed = new DkimTestBed();
        var result = Assert.Single((await bed.Verification.VerifyAsync(WithField("v=1; a=rsa-sha256; d=example.com; s=x; h=from; bh=AAAA; b=AAAA; t=1; x=2"))).Signatures);
        Assert.Equal((DkimResult.Fail, "signature expired"), (result.Result, result.Reason));
    }

    [Fact]
    public async Task A_key_not_in_dns_is_permerror()
    {
        var (bed, signed) = await SignedAsync();
        await using var _ = bed;
        var results = (await bed.Verification.VerifyAsync(signed)).Signatures;
        Assert.All(results, r => Assert.Equal((DkimResult.PermError, "no key for signature"), (r.Result, r.Reason)));
    }

    [Theory]
    [InlineData("v=DKIM1; k=rsa; p=", "key revoked")]
    [InlineData("v=DKIM1; k=rsa; p=not*base64", "key is not base64")]
    [InlineData("v=DKIM1; k=rsa; p=AAAA", "RSA key is not DER")]
    [InlineData("v=DKIM1; k=dsa; p=AAAA", "unknown key type")]
    [InlineData("v=DKIM2; k=rsa; p=AAAA", "key record version is not DKIM1")]
    [InlineData("v=DKIM1; h=sha1; k=rsa; p=AAAA", "key record does not allow sha256")]
    [InlineData("v=DKIM1; s=tlsrpt; k=rsa; p=AAAA", "key record is not for email")]
    [InlineData("k=rsa; k=rsa; p=AAAA", "key record syntax error")]
    public async Task A_broken_key_record_is_permerror(string record, string reason)
    {
        var (bed, signed) = await SignedAsync();
        await using var _ = bed;
        bed.Publish(Rsa(bed).RecordName, record);
        var result = (await bed.Verification.VerifyAsync(signed)).Signatures.Single(s => s.Algorithm == "rsa-sha256");
        Assert.Equal((DkimResult.PermError, reason), (result.Result, result.Reason));
    }

    [Fact]
    public async Task A_512_bit_rsa_key_is_permerror()
    {
        var (bed, signed) = await SignedAsync();
        await using var _ = bed;
        var generator = new RsaKeyPairGenerator();
        generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(65537), new SecureRandom(), 512, 25));
        var spki = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(generator.GenerateKeyPair().Public).GetEncoded();
        bed.Publish(Rsa(bed).RecordName, $"v=DKIM1; k=rsa; p={Convert.ToBase64String(spki)}");
        var result = (await bed.Verification.VerifyAsync(signed)).Signatures.Single(s => s.Algorithm == "rsa-sha256");
        Assert.Equal((DkimResult.PermError, "RSA key of 512 bits is below 1024"), (result.Result, result.Reason));
    }

    [Fact]
    public async Task An_absurdly_large_rsa_key_is_permerror_before_any_big_number_work()
    {
        var (bed, signed) = await SignedAsync();
        await using var _ = bed;
        // A 16384-bit "modulus" (not a real key: the size alone must refuse it).
        var modulus = new BigInteger(16384, new SecureRandom()).SetBit(16383).SetBit(0);
        var spki = new SubjectPublicKeyInfo(new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance),
            new RsaPublicKeyStructure(modulus, BigInteger.ValueOf(65537))).GetEncoded();
        bed.Publish(Rsa(bed).RecordName, $"v=DKIM1; k=rsa; p={Convert.ToBase64String(spki)}");
        var result = (await bed.Verification.VerifyAsync(signed)).Signatures.Single(s => s.Algorithm == "rsa-sha256");
        Assert.Equal((DkimResult.PermError, "RSA key too large"), (result.Result, result.Reason));
    }

    [Fact]
    public async Task A_key_record_is_parsed_once_but_looked_up_for_every_signature_so_a_revocation_applies_at_once()
    {
        var (bed, signed) = await SignedAsync();
        await using var _ = bed;
        bed.PublishKeys("example.com");
        var rsa = Rsa(bed);
        var locator = new DnsDkimPublicKeyLocator(bed.Resolver, Microsoft.Extensions.Options.Options.Create(bed.Options));

        var first = await locator.LookupAsync("dns/txt", "example.com", rsa.Selector);
        var asked = bed.Dns.Questions.Count;
        var again = await new DnsDkimPublicKeyLocator(bed.Resolver, Microsoft.Extensions.Options.Options.Create(bed.Options)).LookupAsync("dns/txt", "example.com", rsa.Selector);

        // The same text gives the same parsed key (BouncyCastle's primality check of the modulus costs ~25 ms), yet the resolver
        // was asked again (in production its cache answers within the record's TTL, so a revocation applies when that runs out).
        Assert.Same(first, again);
        Assert.Equal(asked + 1, bed.Dns.Questions.Count);
        Assert.Equal(DkimResult.Pass, (await bed.Verification.VerifyAsync(signed)).Signatures.Single(s => s.Algorithm == "rsa-sha256").Result);

        // Revoked in DNS (an empty p=, the first record that parses is used, so the key goes): the next message fails.
        await using var revokedBed = new DkimTestBed();
        revokedBed.Publish(rsa.RecordName, "v=DKIM1; k=rsa; p=");
        var revoked = new DkimVerification(revokedBed.Resolver, Microsoft.Extensions.Options.Options.Create(bed.Options), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<DkimVerification>.Instance);
        var result = (await revoked.VerifyAsync(signed)).Signatures.Single(s => s.Algorithm == "rsa-sha256");
        Assert.Equal((DkimResult.PermError, "key revoked"), (result.Result, result.Reason));
    }

    [Fact]
    public async Task A_key_of_the_wrong_type_is_permerror()
    {
        var (bed, signed) = await SignedAsync();
        await using var _ = bed;
        bed.Publish(Ed(bed).RecordName, Rsa(bed).TxtRecord);
        bed.Publish(Rsa(bed).RecordName, Ed(bed).TxtRecord);
        var results = (await bed.Verification.VerifyAsync(signed)).Signatures;
        Assert.All(results, r => Assert.Equal(DkimResult.PermError, r.Result));
        Assert.Contains(results, r => r.Reason == "k=ed25519 key for a rsa signature");
    }

    [Fact]
    public async Task A_dns_timeout_is_temperror_and_comes_back_in_bounded_time()
    {
        var (bed, signed) = await SignedAsync(dnsTimeoutMilliseconds: 300);
        await using var _ = bed;
        bed.Dns.Handler = (_, _) => DnsReply.Silent;
        var watch = Stopwatch.StartNew();
        var result = await bed.Verification.VerifyAsync(signed);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.All(result.Signatures, r => Assert.Equal((DkimResult.TempError, "key lookup timed out"), (r.Result, r.Reason)));
        Assert.True(result.HasTemporaryError);
    }

    [Fact]
    public async Task Servfail_is_temperror()
    {
        var (bed, signed) = await SignedAsync();
        await using var _ = bed;
        bed.Dns.Handler = (query, _) => DnsReply.Message(DnsMessage.ReplyTo(query, DnsResponseCode.ServerFailure, []));
        var result = await bed.Verification.VerifyAsync(signed);
        Assert.All(result.Signatures, r => Assert.Equal(DkimResult.TempError, r.Result));
    }

    [Fact]
    public async Task The_verification_deadline_ends_a_slow_lookup_with_temperror()
    {
        var (bed, signed) = await SignedAsync(new DkimOptions { VerificationTimeoutSeconds = 1 }, dnsTimeoutMilliseconds: 20_000);
        await using var _ = bed;
        bed.Dns.Handler = (_, _) => DnsReply.Silent;
        var watch = Stopwatch.StartNew();
        var result = await bed.Verification.VerifyAsync(signed);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.All(result.Signatures, r => Assert.Equal((DkimResult.TempError, "verification timed out"), (r.Result, r.Reason)));
    }

    [Fact]
    public async Task Only_the_first_signatures_up_to_the_limit_are_verified()
    {
        var (bed, signed) = await SignedAsync(new DkimOptions { MaxSignatures = 3 });
        await using var _ = bed;
        bed.PublishKeys("example.com");
        var text = Encoding.ASCII.GetString(signed);
        var fields = text[..text.IndexOf("From:", StringComparison.Ordinal)];
        var bomb = DkimTestBed.Bytes(string.Concat(Enumerable.Repeat(fields, 20)) + DkimTestBed.Message);

        var result = await bed.Verification.VerifyAsync(bomb);
        Assert.Equal(3, result.Signatures.Count);
        Assert.Equal(37, result.NotVerified);
        Assert.All(result.Signatures, r => Assert.Equal(DkimResult.Pass, r.Result));
        Assert.InRange(bed.Dns.UdpQueries, 1, 3);
    }

    [Fact]
    public async Task A_pass_reads_as_an_authentication_results_resinfo()
    {
        var (bed, signed) = await SignedAsync();
        await using var _ = bed;
        bed.PublishKeys("example.com");
        var result = (await bed.Verification.VerifyAsync(signed)).Signatures.Single(s => s.Algorithm == "rsa-sha256");
        // The RSA field is on top (signed last); its b= is the last tag of that field.
        var text = Encoding.ASCII.GetString(signed);
        var top = text[..text.IndexOf("DKIM-Signature:", 1, StringComparison.Ordinal)];
        var b = System.Text.RegularExpressions.Regex.Replace(top.Split("b=").Last(), @"\s", "")[..8];
        Assert.Equal($"dkim=pass header.d=example.com header.s={Rsa(bed).Selector} header.a=rsa-sha256 header.b={b}", result.ToAuthenticationResults());
    }

    [Fact]
    public void A_hostile_value_never_reaches_the_authentication_results_text()
    {
        var result = new DkimSignatureResult(DkimResult.Fail, "evil;\r\n X-Injected: 1", "s(1)", "rsa-sha256", null, "bad (really)\r\nX: y");
        Assert.Equal("dkim=fail (bad  really   X: y) header.a=rsa-sha256", result.ToAuthenticationResults());
    }
}
