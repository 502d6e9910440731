using Appliance.Accounts;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Accounts;

public class PasswordTests
{
    private static readonly PasswordPolicy Policy = new(Options.Create(new SecurityOptions()));
    private static readonly PasswordHasher Hasher = new(Options.Create(new SecurityOptions { PasswordHashIterations = 1000 }));

    [Theory]
    [InlineData("Corr3ct-Horse", true)]
    [InlineData("correct horse 9", true)]
    [InlineData("CORRECT-HORSE9", true)]
    [InlineData("CORRECTHORSE9", false)]
    [InlineData("Short1!", false)]
    [InlineData("alllowercaseletters", false)]
    [InlineData("lowercase12345", false)]
    [InlineData("", false)]
    public void Strength_rule_needs_length_and_three_kinds_of_character(string password, bool strong) =>
        Assert.Equal(strong, Policy.IsStrong(password, "someone@example.com"));

    [Fact]
    public void Password_containing_the_account_name_is_weak()
    {
        Assert.False(Policy.IsStrong("Anna-2026-Secret", "anna@example.com"));
        var e = Assert.Throws<AccountException>(() => Policy.Check("Anna-2026-Secret", "anna@example.com"));
        Assert.Equal("Password.Weak", e.Key);
    }

    [Fact]
    public void Hash_verifies_the_right_password_only_and_is_salted()
    {
        var first = Hasher.Hash("Corr3ct-Horse");
        var second = Hasher.Hash("Corr3ct-Horse");
        Assert.NotEqual(first, second);
        Assert.StartsWith("scram-sha256$1000$", first, StringComparison.Ordinal);
        Assert.DoesNotContain("Corr3ct", first, StringComparison.Ordinal);
        Assert.True(Hasher.Verify("Corr3ct-Horse", first));
        Assert.False(Hasher.Verify("corr3ct-horse", first));
        Assert.False(Hasher.Verify("Corr3ct-Horse", "plain"));
        Assert.False(Hasher.Verify("Corr3ct-Horse", "pbkdf2-sha256$x$y$z"));
    }

    [Fact]
    public void Default_hash_cost_is_the_OWASP_figure() =>
        Assert.Equal(600_000, new SecurityOptions().PasswordHashIterations);
}
