using System.Security.Cryptography;
using Appliance.Accounts;
using Appliance.Protocols;
using Appliance.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Protocols;

/// <summary>The SCRAM-SHA-256 server mechanism (RFC 7677, RFC 5802) and the secret the password store keeps for it.</summary>
public class ScramTests
{
    // RFC 7677 §3: user "user", password "pencil", salt and nonces as given there.
    private const string ClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private const string ServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    /// <summary>The stored hash of "pencil" with RFC 7677's salt and count, as PasswordHasher writes it.</summary>
    private static ScramSecret PencilSecret()
    {
        var salt = Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ==");
        var legacy = $"pbkdf2-sha256$4096${Convert.ToBase64String(salt)}${Convert.ToBase64String(Rfc2898DeriveBytes.Pbkdf2("pencil", salt, 4096, HashAlgorithmName.SHA256, 32))}";
        var upgraded = PasswordHasher.Upgrade(legacy)!;
        Assert.True(PasswordHasher.TryScramSecret(upgraded, out var secret));
        return secret;
    }

    private static ScramCredentials Credentials(ScramSecret s) => new(s.Salt, s.Iterations, s.StoredKey, s.ServerKey);

    [Fact]
    public void RFC_7677_example_exchange_is_reproduced_byte_for_byte()
    {
        var secret = PencilSecret();
        var scram = new ScramServer(ServerNonce);
        Assert.Equal(ScramStatus.Continue, scram.ReadClientFirst(ClientFirst));
        Assert.Equal("user", scram.User);
        Assert.Equal(ServerFirst, scram.ServerFirst(Credentials(secret)));
        Assert.Equal(ScramStatus.Continue, scram.ReadClientFinal(ClientFinal));
        Assert.True(scram.ProofMatches(secret.StoredKey));
        Assert.Equal(ServerFinal, scram.ServerFinal());
    }

    [Fact]
    public void Test_client_reproduces_the_RFC_7677_client_final()
    {
        var client = new ScramTestClient("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        Assert.Equal(ClientFirst, client.ClientFirst());
        Assert.Equal(ClientFinal, client.ClientFinal(ServerFirst));
        Assert.Equal(ServerFinal, client.ExpectedServerFinal);
    }

    [Fact]
    public void Wrong_password_is_invalid_proof()
    {
        var scram = new ScramServer(ServerNonce);
        var client = new ScramTestClient("user", "pencil2", "rOprNGfwEbeRWgbNEkqO");
        Assert.Equal(ScramStatus.Continue, scram.ReadClientFirst(client.ClientFirst()));
        var serverFirst = scram.ServerFirst(Credentials(PencilSecret()));
        Assert.Equal(ScramStatus.Continue, scram.ReadClientFinal(client.ClientFinal(serverFirst)));
        Assert.False(scram.ProofMatches(PencilSecret().StoredKey));
        Assert.Equal("invalid-proof", scram.Error);
    }

    [Theory]
    [InlineData("p=tls-server-end-point,,n=user,r=abc", ScramStatus.Failed, "channel-binding-not-supported")]
    [InlineData("n,a=other,n=user,r=abc", ScramStatus.Failed, "other-error")]
    [InlineData("n,,m=ext,n=user,r=abc", ScramStatus.Failed, "extensions-not-supported")]
    [InlineData("x,,n=user,r=abc", ScramStatus.Malformed, "invalid-encoding")]
    [InlineData("n,,n=us=41er,r=abc", ScramStatus.Malformed, "invalid-encoding")]
    [InlineData("n,,n=user", ScramStatus.Malformed, "invalid-encoding")]
    [InlineData("n,,n=,r=abc", ScramStatus.Malformed, "invalid-encoding")]
    [InlineData("n,,r=abc,n=user", ScramStatus.Malformed, "invalid-encoding")]
    [InlineData("", ScramStatus.Malformed, "invalid-encoding")]
    public void Client_first_errors_are_told_apart(string message, ScramStatus status, string error)
    {
        var scram = new ScramServer();
        Assert.Equal(status, scram.ReadClientFirst(message));
        Assert.Equal(error, scram.Error);
    }

    [Fact]
    public void Escaped_names_and_a_matching_authzid_and_y_flag_are_accepted()
    {
        var scram = new ScramServer();
        Assert.Equal(ScramStatus.Continue, scram.ReadClientFirst("y,a=a=2Cb=3Dc@example.com,n=A=2Cb=3Dc@example.com,r=abc"));
        Assert.Equal("A,b=c@example.com", scram.User);
    }

    [Fact]
    public void Client_final_with_another_nonce_or_gs2_header_is_refused()
    {
        var secret = PencilSecret();
        var scram = new ScramServer(ServerNonce);
        scram.ReadClientFirst(ClientFirst);
        scram.ServerFirst(Credentials(secret));
        Assert.Equal(ScramStatus.Failed, scram.ReadClientFinal(ClientFinal.Replace("k0,p=", "k1,p=", StringComparison.Ordinal)));
        Assert.Equal("other-error", scram.Error);
        Assert.Equal(ScramStatus.Failed, scram.ReadClientFinal(ClientFinal.Replace("c=biws", "c=eSws", StringComparison.Ordinal)));
        Assert.Equal("channel-bindings-dont-match", scram.Error);
        Assert.Equal(ScramStatus.Malformed, scram.ReadClientFinal("c=biws,r=x"));
        Assert.Equal(ScramStatus.Malformed, scram.ReadClientFinal("c=biws,r=x,p=!!"));
    }

    [Fact]
    public void New_hashes_hold_StoredKey_and_ServerKey_and_not_SaltedPassword()
    {
        var hasher = new PasswordHasher(Options.Create(new SecurityOptions { PasswordHashIterations = 4096 }));
        var stored = hasher.Hash("pencil");
        var parts = stored.Split('$');
        Assert.Equal("scram-sha256", parts[0]);
        var salted = Rfc2898DeriveBytes.Pbkdf2("pencil", Convert.FromBase64String(parts[2]), 4096, HashAlgorithmName.SHA256, 32);
        Assert.DoesNotContain(Convert.ToBase64String(salted), stored, StringComparison.Ordinal);
        Assert.True(hasher.Verify("pencil", stored));
        Assert.False(hasher.Verify("pencil2", stored));
        Assert.True(PasswordHasher.TryScramSecret(stored, out var secret));
        Assert.Equal(SHA256.HashData(HMACSHA256.HashData(salted, "Client Key"u8)), secret.StoredKey);
    }

    [Fact]
    public void Old_hashes_still_verify_and_upgrade_to_the_same_secret()
    {
        var salt = Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ==");
        var legacy = $"pbkdf2-sha256$4096${Convert.ToBase64String(salt)}${Convert.ToBase64String(Rfc2898DeriveBytes.Pbkdf2("pencil", salt, 4096, HashAlgorithmName.SHA256, 32))}";
        var hasher = new PasswordHasher(Options.Create(new SecurityOptions()));
        Assert.True(hasher.Verify("pencil", legacy));
        var upgraded = PasswordHasher.Upgrade(legacy)!;
        Assert.StartsWith("scram-sha256$4096$", upgraded, StringComparison.Ordinal);
        Assert.True(hasher.Verify("pencil", upgraded));
        Assert.Null(PasswordHasher.Upgrade(upgraded));
        Assert.True(PasswordHasher.TryScramSecret(legacy, out var fromLegacy));
        Assert.Equal(PencilSecret().StoredKey, fromLegacy.StoredKey);
    }

    [Theory]
    [InlineData("I\u00ADX", "IX")]
    [InlineData("user", "user")]
    [InlineData("USER", "USER")]
    [InlineData("\u00AA", "a")]
    [InlineData("\u2168", "IX")]
    [InlineData("a\u00A0b", "a b")]
    [InlineData("\u0007", null)]
    public void SASLprep_matches_RFC_4013_examples(string input, string? prepared) =>
        Assert.Equal(prepared, SaslPrep.Prepare(input));
}
