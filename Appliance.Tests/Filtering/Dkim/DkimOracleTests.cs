using System.Security.Cryptography;
using System.Text;
using Appliance.Filtering.Dkim;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Appliance.Tests.Filtering.Dkim;

/// <summary>
/// dkimpy (python3-dkim, INTEROP.md) as the independent judge: what we sign it verifies, what it signs we verify,
/// and a body changed after signing fails in both. Keys reach dkimpy through its dnsfunc, ours through the
/// production resolver and a loopback DNS server.
/// </summary>
public sealed class DkimOracleTests : IAsyncLifetime
{
    private DkimTestBed _bed = null!;

    public Task InitializeAsync()
    {
        _bed = new DkimTestBed();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private static byte[] Tamper(byte[] message) =>
        DkimTestBed.Bytes(Encoding.UTF8.GetString(message).Replace("the figures", "the fiqures", StringComparison.Ordinal));

    [Fact]
    public async Task Our_rsa_and_ed25519_signatures_verify_with_dkimpy_and_with_ours()
    {
        _bed.Keys.Rotate("example.com");
        _bed.PublishKeys("example.com");
        var signed = _bed.Signing.Sign(DkimTestBed.Bytes(DkimTestBed.Message), "example.com");

        Assert.Equal(2, signed.Selectors.Count);
        Assert.Equal(new[] { true, true }, await _bed.DkimpyVerifyAsync(signed.Message));
        var ours = await _bed.Verification.VerifyAsync(signed.Message);
        Assert.All(ours.Signatures, s => Assert.Equal(DkimResult.Pass, s.Result));
        Assert.Equal(["rsa-sha256", "ed25519-sha256"], ours.Signatures.Select(s => s.Algorithm));
        Assert.Equal(["example.com"], ours.PassingDomains);
    }

    [Fact]
    public async Task Signing_prepends_relaxed_fields_with_from_oversigned_and_leaves_the_message_bytes_as_they_were()
    {
        _bed.Keys.Rotate("example.com");
        var original = DkimTestBed.Bytes(DkimTestBed.Message);
        var signed = _bed.Signing.Sign(original, "example.com").Message;
        var text = Encoding.ASCII.GetString(signed);

        Assert.EndsWith(DkimTestBed.Message, text, StringComparison.Ordinal);
        Assert.StartsWith("DKIM-Signature:", text, StringComparison.Ordinal);
        var fields = text[..^DkimTestBed.Message.Length];
        Assert.DoesNotContain("\n", fields.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(2, fields.Split("DKIM-Signature:").Length - 1);
        Assert.Contains("c=relaxed/relaxed", fields, StringComparison.Ordinal);
        var h = fields.Replace("\r\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).Replace("\t", "", StringComparison.Ordinal);
        // Present fields once each, From once more than it occurs; absent ones (Reply-To, References…) are not listed.
        Assert.All(System.Text.RegularExpressions.Regex.Matches(h, ";h=([^;]*);").Select(m => m.Groups[1].Value),
            list => Assert.Equal("from:from:to:cc:subject:date:message-id:mime-version:content-type", list));
    }

    [Fact]
    public async Task A_multipart_message_signed_by_us_verifies_with_dkimpy()
    {
        _bed.Keys.Rotate("example.com");
        _bed.PublishKeys("example.com");
        var message =
            "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nDate: Thu, 03 Dec 2026 17:00:00 +0000\r\n" +
            "Message-ID: <m@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
            "preamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe   \r\n" +
            "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=a.bin\r\n\r\nAAECAwQF\r\n--b1--\r\nepilogue\r\n\r\n\r\n";
        var signed = _bed.Signing.Sign(DkimTestBed.Bytes(message), "example.com");

        Assert.EndsWith(message, Encoding.UTF8.GetString(signed.Message), StringComparison.Ordinal);
        Assert.Equal(new[] { true, true }, await _bed.DkimpyVerifyAsync(signed.Message));
    }

    [Fact]
    public async Task A_body_changed_after_our_signing_fails_with_dkimpy_and_with_ours()
    {
        _bed.Keys.Rotate("example.com");
        _bed.PublishKeys("example.com");
        var tampered = Tamper(_bed.Signing.Sign(DkimTestBed.Bytes(DkimTestBed.Message), "example.com").Message);

        Assert.Equal(new[] { false, false }, await _bed.DkimpyVerifyAsync(tampered));
        var ours = await _bed.Verification.VerifyAsync(tampered);
        Assert.All(ours.Signatures, s => Assert.Equal((DkimResult.Fail, "body hash did not verify"), (s.Result, s.Reason)));
        Assert.Equal(2, ours.Signatures.Count);
    }

    [Theory]
    [InlineData("rsa-sha256", "relaxed/relaxed", false)]
    [InlineData("rsa-sha256", "simple/simple", false)]
    [InlineData("ed25519-sha256", "relaxed/relaxed", false)]
    [InlineData("ed25519-sha256", "relaxed/simple", false)]
    [InlineData("rsa-sha256", "relaxed/relaxed", true)]
    [InlineData("ed25519-sha256", "relaxed/relaxed", true)]
    public async Task A_dkimpy_signature_verifies_with_ours_unless_the_body_was_changed(string algorithm, string canonicalization, bool tamper)
    {
        string keyFile, publicRecord;
        if (algorithm == "rsa-sha256")
        {
            using var rsa = RSA.Create(2048);
            keyFile = _bed.WriteFile("rsa.pem", Encoding.ASCII.GetBytes(rsa.ExportRSAPrivateKeyPem() + "\n"));
            publicRecord = $"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}";
        }
        else
        {
            var generator = new Ed25519KeyPairGenerator();
            generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
            var pair = generator.GenerateKeyPair();
            keyFile = _bed.WriteFile("ed.key", Encoding.ASCII.GetBytes(Convert.ToBase64String(((Ed25519PrivateKeyParameters)pair.Private).GetEncoded())));
            publicRecord = $"v=DKIM1; k=ed25519; p={Convert.ToBase64String(((Ed25519PublicKeyParameters)pair.Public).GetEncoded())}";
        }
        _bed.Publish("py2026._domainkey.example.net", publicRecord);
        var input = _bed.WriteFile("in.eml", DkimTestBed.Bytes(DkimTestBed.Message.Replace("example.com", "example.net", StringComparison.Ordinal)));
        var output = Path.Combine(_bed.Folder, "out.eml");
        await _bed.OracleAsync("sign", input, output, "py2026", "example.net", algorithm, keyFile, canonicalization);
        var signed = await File.ReadAllBytesAsync(output);
        if (tamper)
        {
            signed = Tamper(signed);
        }

        Assert.Equal(new[] { !tamper }, await _bed.DkimpyVerifyAsync(signed));
        var result = Assert.Single((await _bed.Verification.VerifyAsync(signed)).Signatures);
        Assert.Equal(tamper ? DkimResult.Fail : DkimResult.Pass, result.Result);
        Assert.Equal(("example.net", "py2026", algorithm), (result.Domain, result.Selector, result.Algorithm));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_dkimpy_arc_set_verifies_with_ours_unless_the_body_was_changed(bool tamper)
    {
        using var rsa = RSA.Create(2048);
        var keyFile = _bed.WriteFile("arc.pem", Encoding.ASCII.GetBytes(rsa.ExportRSAPrivateKeyPem() + "\n"));
        _bed.Publish("arc1._domainkey.lists.example.org", $"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}");
        // The forwarder's own Authentication-Results, which arc_sign copies into ARC-Authentication-Results.
        var message = "Authentication-Results: lists.example.org; dkim=pass header.d=example.com; spf=pass smtp.mailfrom=example.com\r\n" + DkimTestBed.Message;
        var input = _bed.WriteFile("list.eml", DkimTestBed.Bytes(message));
        var output = Path.Combine(_bed.Folder, "sealed.eml");
        await _bed.OracleAsync("arc-sign", input, output, "arc1", "lists.example.org", keyFile, "lists.example.org");
        var sealedMessage = await File.ReadAllBytesAsync(output);
        if (tamper)
        {
            sealedMessage = Tamper(sealedMessage);
        }
        var path = _bed.WriteFile("check.eml", sealedMessage);

        Assert.Equal(tamper ? "fail" : "pass", await _bed.OracleAsync("arc-verify", path, "KEYS"));
        var ours = await _bed.Arc.VerifyAsync(sealedMessage);
        Assert.Equal(tamper ? ArcResult.Fail : ArcResult.Pass, ours.Result);
        Assert.Equal(1, ours.Instances);
    }

    [Fact]
    public async Task An_unsealed_message_has_arc_none()
    {
        var ours = await _bed.Arc.VerifyAsync(DkimTestBed.Bytes(DkimTestBed.Message));
        Assert.Equal((ArcResult.None, "arc=none"), (ours.Result, ours.ToAuthenticationResults()));
    }
}
