using System.Security.Cryptography;
using System.Text;
using Appliance.Filtering.Dkim;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Tests.Filtering.Dkim;

/// <summary>Our ARC sets on mail we pass on, judged by dkimpy (python3-dkim) and by our own verifier, alone and on top of a dkimpy chain.</summary>
public sealed class ArcSealingTests : IAsyncLifetime
{
    private const string OurResults = "Authentication-Results: mail.example.com; dkim=pass header.d=example.org header.s=sel; spf=pass smtp.mailfrom=example.org\r\n";
    private DkimTestBed _bed = null!;
    private ArcSealing _sealing = null!;

    public Task InitializeAsync()
    {
        _bed = new DkimTestBed();
        _sealing = new ArcSealing(_bed.Keys, _bed.Arc, TimeProvider.System, NullLogger<ArcSealing>.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private static byte[] Tamper(byte[] message) =>
        DkimTestBed.Bytes(Encoding.UTF8.GetString(message).Replace("the figures", "the fiqures", StringComparison.Ordinal));

    private async Task<string> DkimpyArcVerifyAsync(byte[] message) =>
        await _bed.OracleAsync("arc-verify", _bed.WriteFile($"{Guid.NewGuid():N}.eml", message), "KEYS");

    /// <summary>A message sealed by a list at lists.example.org with dkimpy, as it reaches us.</summary>
    private async Task<byte[]> DkimpySealedAsync()
    {
        using var rsa = RSA.Create(2048);
        var keyFile = _bed.WriteFile("list.pem", Encoding.ASCII.GetBytes(rsa.ExportRSAPrivateKeyPem() + "\n"));
        _bed.Publish("arc1._domainkey.lists.example.org", $"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}");
        var input = _bed.WriteFile("list.eml", DkimTestBed.Bytes("Authentication-Results: lists.example.org; dkim=pass header.d=example.com\r\n" + DkimTestBed.Message));
        var output = Path.Combine(_bed.Folder, "list-sealed.eml");
        await _bed.OracleAsync("arc-sign", input, output, "arc1", "lists.example.org", keyFile, "lists.example.org");
        return await File.ReadAllBytesAsync(output);
    }

    [Fact]
    public async Task Our_first_seal_has_cv_none_and_verifies_with_dkimpy_and_ours()
    {
        _bed.Keys.Rotate("example.com");
        _bed.PublishKeys("example.com");

        var result = await _sealing.SealAsync(DkimTestBed.Bytes(OurResults + DkimTestBed.Message), "example.com", "mail.example.com");

        Assert.Equal((1, "none"), (result.Instance, result.ChainValidation));
        var text = Encoding.ASCII.GetString(result.Message);
        var unfolded = System.Text.RegularExpressions.Regex.Replace(text, "\r\n[ \t]+", " ");
        Assert.StartsWith("ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.com; s=rsa-", unfolded, StringComparison.Ordinal);
        Assert.Matches("ARC-Authentication-Results: i=1; mail.example.com; dkim=pass header.d=example.org header.s=sel; spf=pass smtp.mailfrom=example.org; arc=none\r\n", unfolded);
        Assert.EndsWith(OurResults + DkimTestBed.Message, text, StringComparison.Ordinal);
        Assert.Equal("pass", await DkimpyArcVerifyAsync(result.Message));
        Assert.Equal(ArcResult.Pass, (await _bed.Arc.VerifyAsync(result.Message)).Result);
    }

    [Fact]
    public async Task A_body_changed_after_our_seal_fails_in_dkimpy_and_ours()
    {
        _bed.Keys.Rotate("example.com");
        _bed.PublishKeys("example.com");
        var result = await _sealing.SealAsync(DkimTestBed.Bytes(OurResults + DkimTestBed.Message), "example.com", "mail.example.com");

        var tampered = Tamper(result.Message);

        Assert.Equal("fail", await DkimpyArcVerifyAsync(tampered));
        Assert.Equal(ArcResult.Fail, (await _bed.Arc.VerifyAsync(tampered)).Result);
    }

    [Fact]
    public async Task Our_seal_on_a_dkimpy_chain_is_instance_2_with_cv_pass_and_the_chain_verifies()
    {
        _bed.Keys.Rotate("example.com");
        _bed.PublishKeys("example.com");
        var incoming = await DkimpySealedAsync();
        Assert.Equal(ArcResult.Pass, (await _bed.Arc.VerifyAsync(incoming)).Result);

        var result = await _sealing.SealAsync(DkimTestBed.Bytes(OurResults + Encoding.ASCII.GetString(incoming)), "example.com", "mail.example.com");

        Assert.Equal((2, "pass"), (result.Instance, result.ChainValidation));
        Assert.StartsWith("ARC-Seal: i=2; a=rsa-sha256; cv=pass;", Encoding.ASCII.GetString(result.Message), StringComparison.Ordinal);
        Assert.Equal("pass", await DkimpyArcVerifyAsync(result.Message));
        var ours = await _bed.Arc.VerifyAsync(result.Message);
        Assert.Equal((ArcResult.Pass, 2), (ours.Result, ours.Instances));
    }

    [Fact]
    public async Task A_chain_broken_before_it_reached_us_is_sealed_with_cv_fail()
    {
        _bed.Keys.Rotate("example.com");
        _bed.PublishKeys("example.com");
        var broken = Tamper(await DkimpySealedAsync());

        var result = await _sealing.SealAsync(DkimTestBed.Bytes(OurResults + Encoding.ASCII.GetString(broken)), "example.com", "mail.example.com");

        Assert.Equal((2, "fail"), (result.Instance, result.ChainValidation));
        Assert.Contains("cv=fail", Encoding.ASCII.GetString(result.Message), StringComparison.Ordinal);
        Assert.Equal(ArcResult.Fail, (await _bed.Arc.VerifyAsync(result.Message)).Result);
        // dkimpy gives no cv at all (None) for a chain whose latest seal says fail; either way, not a pass.
        Assert.NotEqual("pass", await DkimpyArcVerifyAsync(result.Message));
    }

    [Fact]
    public async Task A_domain_without_an_rsa_key_passes_the_message_on_unsealed()
    {
        _bed.Keys.Generate("example.com", DkimKeyAlgorithm.Ed25519);
        var message = DkimTestBed.Bytes(OurResults + DkimTestBed.Message);

        var result = await _sealing.SealAsync(message, "example.com", "mail.example.com");

        Assert.Equal(0, result.Instance);
        Assert.Same(message, result.Message);
    }
}
