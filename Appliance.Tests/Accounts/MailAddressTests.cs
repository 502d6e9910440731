using Appliance.Accounts;

namespace Appliance.Tests.Accounts;

public class MailAddressTests
{
    [Theory]
    [InlineData("anna@example.com", "anna@example.com")]
    [InlineData("  Anna.Smith@Example.COM ", "anna.smith@example.com")]
    [InlineData("o'brien+news@sub.example.co.uk", "o'brien+news@sub.example.co.uk")]
    [InlineData("x@a-b.example", "x@a-b.example")]
    public void Valid_addresses_are_accepted_and_lower_cased(string input, string expected)
    {
        Assert.True(MailAddress.TryParse(input, out var address));
        Assert.Equal(expected, address.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("anna")]
    [InlineData("@example.com")]
    [InlineData("anna@")]
    [InlineData("anna@localhost")]
    [InlineData("anna@example")]
    [InlineData("an na@example.com")]
    [InlineData(".anna@example.com")]
    [InlineData("anna.@example.com")]
    [InlineData("an..na@example.com")]
    [InlineData("anna@-example.com")]
    [InlineData("anna@example-.com")]
    [InlineData("anna@exa_mple.com")]
    [InlineData("anna@example.123")]
    [InlineData("anna@@example.com")]
    [InlineData("\"quoted\"@example.com")]
    [InlineData("anna@[127.0.0.1]")]
    [InlineData("anna\r\n@example.com")]
    public void Invalid_addresses_are_refused(string input)
    {
        Assert.False(MailAddress.TryParse(input, out _));
        var e = Assert.Throws<AccountException>(() => MailAddress.Parse(input));
        Assert.Equal("Address.Invalid", e.Key);
    }

    [Fact]
    public void Local_part_longer_than_64_octets_is_refused()
    {
        Assert.True(MailAddress.TryParse(new string('a', 64) + "@example.com", out _));
        Assert.False(MailAddress.TryParse(new string('a', 65) + "@example.com", out _));
    }

    [Fact]
    public void Label_longer_than_63_characters_is_refused()
    {
        Assert.True(MailAddress.IsDomainName(new string('a', 63) + ".com"));
        Assert.False(MailAddress.IsDomainName(new string('a', 64) + ".com"));
    }
}
