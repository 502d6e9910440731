using Appliance.Mailstore;

namespace Appliance.Tests.Mailstore;

/// <summary>The first address of a summary's To or Cc text, as SORT TO, CC and DISPLAYTO read it.</summary>
public class SummaryAddressesTests
{
    [Theory]
    [InlineData("Bob Smith <bob@example.com>, carol@example.com", "Bob Smith", "bob@example.com")]
    [InlineData("carol@example.com, Bob Smith <bob@example.com>", "", "carol@example.com")]
    [InlineData("Doe, John <john@example.com>, carol@example.com", "Doe, John", "john@example.com")]
    [InlineData("dave@example.com", "", "dave@example.com")]
    [InlineData("…", "", "")]
    [InlineData("", "", "")]
    [InlineData(null, "", "")]
    public void First_address_is_read_back_from_the_joined_text(string? joined, string name, string addrSpec) =>
        Assert.Equal((name, addrSpec), SummaryAddresses.First(joined));

    [Fact]
    public void The_summary_writes_what_is_read_back()
    {
        var message = Appliance.Mime.MimeParser.Parse("To: \"Doe, John\" <john@example.com>, carol@example.com\r\nCc: x@example.com\r\n\r\nbody\r\n"u8.ToArray());
        var summary = MessageSummaries.Summarize(message, "hash");
        Assert.Equal(("Doe, John", "john@example.com"), SummaryAddresses.First(summary.To));
        Assert.Equal(("", "x@example.com"), SummaryAddresses.First(summary.Cc));
    }

    [Theory]
    [InlineData("bob@example.com", "bob")]
    [InlineData("\"john doe\"@example.com", "john doe")]
    [InlineData("local", "local")]
    [InlineData("", "")]
    public void Local_part_is_the_addr_mailbox_unquoted(string addrSpec, string local) =>
        Assert.Equal(local, SummaryAddresses.LocalPart(addrSpec));
}
