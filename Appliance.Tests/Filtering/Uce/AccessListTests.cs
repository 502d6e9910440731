using System.Net;
using Appliance.Filtering.Uce;

namespace Appliance.Tests.Filtering.Uce;

public sealed class AccessListTests
{
    private static readonly AccessList List = new(["192.0.2.0/24", "198.51.100.7", "2001:db8:1::/48", "example.com", "@partner.example", "boss@client.example"]);

    [Theory]
    [InlineData("192.0.2.1", true)]
    [InlineData("192.0.2.255", true)]
    [InlineData("192.0.3.1", false)]
    [InlineData("198.51.100.7", true)]
    [InlineData("198.51.100.8", false)]
    [InlineData("::ffff:192.0.2.9", true)]
    [InlineData("2001:db8:1:ffff::1", true)]
    [InlineData("2001:db8:2::1", false)]
    public void Clients_match_by_address_and_CIDR_in_both_families(string client, bool matches) =>
        Assert.Equal(matches, List.MatchClient(IPAddress.Parse(client), null) is not null);

    [Theory]
    [InlineData("anyone@example.com", true)]
    [InlineData("anyone@Sub.Example.COM", true)]
    [InlineData("anyone@notexample.com", false)]
    [InlineData("x@partner.example", true)]
    [InlineData("boss@client.example", true)]
    [InlineData("BOSS@client.example", true)]
    [InlineData("intern@client.example", false)]
    [InlineData("", false)]
    public void Senders_match_by_domain_with_subdomains_or_by_address(string sender, bool matches) =>
        Assert.Equal(matches, List.MatchSender(sender) is not null);

    [Fact]
    public void A_confirmed_client_name_matches_domain_entries()
    {
        Assert.Equal("example.com", List.MatchClient(IPAddress.Parse("203.0.113.1"), "mx1.example.com")!.Text);
        Assert.Null(List.MatchClient(IPAddress.Parse("203.0.113.1"), "mx1.elsewhere.example"));
    }

    [Theory]
    [InlineData("192.0.2.0/33")]
    [InlineData("192.0.2.1/24")]
    [InlineData("not a domain")]
    [InlineData("user@")]
    [InlineData("")]
    public void Malformed_entries_are_refused(string entry) => Assert.False(AccessEntry.TryParse(entry, out _));
}
