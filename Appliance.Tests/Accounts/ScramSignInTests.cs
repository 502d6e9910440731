using System.Security.Cryptography;
using Appliance.Accounts;
using Appliance.Protocols;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;

namespace Appliance.Tests.Accounts;

/// <summary>SCRAM through the shared authenticator: the same lockout as passwords, decoys for unknown names, old hashes upgraded.</summary>
public class ScramSignInTests
{
    private static async Task<SignInResult> ScramAsync(Authenticator auth, string user, string password)
    {
        var scram = new ScramServer();
        var client = new ScramTestClient(user, password);
        Assert.Equal(ScramStatus.Continue, scram.ReadClientFirst(client.ClientFirst()));
        var s = await auth.ScramSecretAsync(user);
        var serverFirst = scram.ServerFirst(new ScramCredentials(s.Salt, s.Iterations, s.StoredKey, s.ServerKey));
        Assert.Equal(ScramStatus.Continue, scram.ReadClientFinal(client.ClientFinal(serverFirst)));
        return await auth.ScramSignInAsync(user, scram.ProofMatches);
    }

    [Fact]
    public async Task Wrong_SCRAM_proofs_count_towards_the_same_lockout_as_passwords()
    {
        await using var services = await TestServices.CreateAsync(new Dictionary<string, string?>
        {
            ["Appliance:Security:LockoutThreshold"] = "3",
            ["Appliance:Security:PasswordHashIterations"] = "1000",
        });
        await services.SetUpAsync();
        var auth = services.Get<Authenticator>();
        Assert.Equal(SignInOutcome.Success, (await ScramAsync(auth, "admin@example.com", TestServices.AdminPassword)).Outcome);
        Assert.Equal(SignInOutcome.Failed, (await ScramAsync(auth, "admin@example.com", "wrong-1")).Outcome);
        Assert.Equal(SignInOutcome.Failed, (await auth.SignInAsync("admin@example.com", "wrong-2")).Outcome);
        Assert.Equal(SignInOutcome.LockedOut, (await ScramAsync(auth, "admin@example.com", "wrong-3")).Outcome);
        Assert.Equal(SignInOutcome.LockedOut, (await ScramAsync(auth, "admin@example.com", TestServices.AdminPassword)).Outcome);
    }

    [Fact]
    public async Task Unknown_names_get_a_stable_decoy_salt_and_fail()
    {
        await using var services = await TestServices.CreateAsync();
        await services.SetUpAsync();
        var auth = services.Get<Authenticator>();
        var first = await auth.ScramSecretAsync("nobody@example.com");
        var again = await auth.ScramSecretAsync("NOBODY@example.com");
        var other = await auth.ScramSecretAsync("someone@example.com");
        Assert.Equal(first.Salt, again.Salt);
        Assert.NotEqual(first.Salt, other.Salt);
        Assert.Equal(16, first.Salt.Length);
        Assert.Equal((await auth.ScramSecretAsync("admin@example.com")).Iterations, first.Iterations);
        Assert.Equal(SignInOutcome.Failed, (await auth.ScramSignInAsync("nobody@example.com", _ => true)).Outcome);
    }

    [Fact]
    public async Task An_old_PBKDF2_hash_is_rewritten_as_StoredKey_on_sign_in_keeping_the_security_stamp()
    {
        await using var services = await TestServices.CreateAsync();
        await services.SetUpAsync();
        var salt = RandomNumberGenerator.GetBytes(16);
        var legacy = $"pbkdf2-sha256$1000${Convert.ToBase64String(salt)}${Convert.ToBase64String(Rfc2898DeriveBytes.Pbkdf2(TestServices.AdminPassword, salt, 1000, HashAlgorithmName.SHA256, 32))}";
        await using (var connection = await services.Get<Database>().OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE users SET password_hash = @legacy WHERE address = 'admin@example.com'", new { legacy });
        }
        var stamp = (await services.Get<UserService>().FindAsync("admin@example.com"))!.SecurityStamp;
        var auth = services.Get<Authenticator>();
        Assert.Equal(SignInOutcome.Success, (await ScramAsync(auth, "admin@example.com", TestServices.AdminPassword)).Outcome);
        var stored = await services.Get<UserRepository>().PasswordHashAsync("admin@example.com");
        Assert.StartsWith("scram-sha256$1000$", stored, StringComparison.Ordinal);
        Assert.Equal(stamp, (await services.Get<UserService>().FindAsync("admin@example.com"))!.SecurityStamp);
        Assert.Equal(SignInOutcome.Success, (await auth.SignInAsync("admin@example.com", TestServices.AdminPassword)).Outcome);
        Assert.Equal(SignInOutcome.Success, (await ScramAsync(auth, "admin@example.com", TestServices.AdminPassword)).Outcome);
    }
}
