using System.Text;
using Appliance.Mime;

namespace Appliance.Tests.Mime;

public class Base64TransferTests
{
    [Theory]
    [InlineData("SGVsbG8=", "Hello")]
    [InlineData("SGVs\r\nbG8=\r\n", "Hello")]
    [InlineData("SGV!sb*G8", "Hello")]
    [InlineData("SGVsbA==SGVsbA==", "HellHell")]
    [InlineData("SGVsbG", "Hell")]
    [InlineData("", "")]
    public void Decodes_ignoring_characters_outside_the_alphabet(string input, string expected) =>
        Assert.Equal(expected, Encoding.ASCII.GetString(Base64Transfer.Decode(Encoding.ASCII.GetBytes(input))));

    [Fact]
    public void Encodes_lines_of_76_characters()
    {
        var bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var encoded = Base64Transfer.Encode(bytes);
        Assert.EndsWith("\r\n", encoded, StringComparison.Ordinal);
        Assert.All(encoded.TrimEnd().Split("\r\n"), line => Assert.True(line.Length <= 76));
        Assert.Equal(bytes, Base64Transfer.Decode(Encoding.ASCII.GetBytes(encoded)));
    }
}
